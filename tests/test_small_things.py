"""The small things a practitioner trips on, each seen once and each kept fixed here."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Membership
from config.templatetags.wording import duration_in_words, hours_in_words, working_days

from .factories import AgencyFactory, member_of

pytestmark = pytest.mark.django_db


@override_settings(SIGN_IN_SLOW_AFTER=100)  # the lock, not the slow-down before it
def test_the_lock_out_page_says_how_long_in_words(client, colleague):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("sign-in"), {"username": colleague.email, "password": "wrong, again"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "try again in 30 minutes" in body
    assert "PT30M" not in body


@pytest.mark.parametrize(
    "hours, words",
    [
        (0.4, "less than an hour"),
        (1, "1 hour"),
        (21.2, "21 hours"),
        (47.4, "47 hours"),
        (72, "3 days"),
        (504, "21 days"),
    ],
)
def test_times_are_said_in_hours_or_days(hours, words):
    assert hours_in_words(hours) == words


def test_durations_and_working_days_are_said_in_words():
    assert duration_in_words(timedelta(minutes=30)) == "30 minutes"
    assert duration_in_words(timedelta(minutes=90)) == "1 hour 30 minutes"
    assert duration_in_words(timedelta(hours=2)) == "2 hours"
    assert working_days(1) == "1 working day"
    assert working_days(10) == "10 working days"


@pytest.fixture
def camhs(db):
    return AgencyFactory(name="Northfield CAMHS", kind=Agency.Kind.CAMHS)


@pytest.fixture
def camhs_manager(camhs):
    return member_of(camhs, Membership.Role.MANAGER, full_name="Morag Manager")


@pytest.fixture
def camhs_practitioner(camhs):
    return member_of(camhs, full_name="Ravi Receiver")


def test_the_response_measures_are_linked_from_the_inbox_and_a_managers_home(
    client_for, camhs_manager, camhs_practitioner, outsider
):
    measures = reverse("referral-measures")
    client = client_for(camhs_manager)
    assert measures in client.get(reverse("referral-inbox")).content.decode()
    assert measures in client.get(reverse("home")).content.decode()
    client = client_for(camhs_practitioner)
    assert measures not in client.get(reverse("referral-inbox")).content.decode()
    assert measures not in client.get(reverse("home")).content.decode()
    assert client_for(outsider).get(measures).status_code == 404


def test_the_response_measures_say_hours_and_days_and_the_chart_has_room_for_100_percent(
    client_for, camhs, camhs_manager
):
    from referrals.models import Referral

    school = AgencyFactory(name="Riverside Primary School")
    sender = member_of(school, full_name="Sam Sender")
    from children import services as child_services
    from referrals import services

    from .children.form_data import consent_fields

    child = child_services.child_create(actor=sender, first_name="Keziah", last_name="Carter", sex="female")
    child_services.consent_record(
        actor=sender, child=child, **consent_fields(all_involved_agencies=False), agencies_included=[camhs]
    )
    referral = services.referral_send(actor=sender, child=child, from_agency=school, to_agency=camhs, reason="Sleep")
    services.referral_accept(actor=camhs_manager, referral=referral)
    # Answered three weeks after it was sent: 504 hours, said as days.
    Referral.objects.filter(pk=referral.pk).update(sent_at=timezone.now() - timedelta(hours=504))
    body = client_for(camhs_manager).get(reverse("referral-measures")).content.decode()
    assert "504.0 hours" not in body
    assert "21 days" in body
    assert "100%" in body
    svg = re.search(r"<svg[^>]*viewBox=\"0 0 (\d+) \d+\"", body)
    # A full bar ends at x = 400 and its label, about 40 wide, starts 5 after it.
    assert svg and int(svg.group(1)) >= 450


def test_the_chart_uses_the_pages_font():
    css = (settings.BASE_DIR / "static" / "src" / "app.scss").read_text()
    assert re.search(r"\.app-chart\s*\{[^}]*font-family:\s*\$govuk-font-family", css)
    built = (settings.BASE_DIR / "static" / "dist" / "app.css").read_text()
    assert re.search(r"\.app-chart\{[^}]*font-family:system-ui|\.app-chart \{[^}]*font-family: system-ui", built)


def test_response_times_say_1_working_day(client_for, manager, agency):
    from directory.models import AgencyProfile

    AgencyProfile.objects.update_or_create(
        agency=agency, defaults={"expected_response_days": 1, "urgent_response_days": 1}
    )
    body = client_for(manager).get(reverse("directory-agency", args=[agency.pk])).content.decode()
    assert "1 working days" not in body
    assert "1 working day" in body


def test_no_choice_says_choose_a_agency():
    from directory.forms import EntryAddForm
    from directory.models import DirectoryEntry

    for kind in DirectoryEntry.Kind:
        form = EntryAddForm(
            directory=type("D", (), {"sections": Agency.objects.none()})(), kind=kind, choices=Agency.objects.none()
        )
        label = form.fields["target"].empty_label
        assert not re.search(r"\ba [aeiou]", label), label


def test_the_consent_forms_hints_do_not_repeat_their_labels():
    from children.forms import ConsentForm

    form = ConsentForm()
    for name, field in form.fields.items():
        assert str(field.help_text).strip().lower() != str(field.label).strip().lower(), name


def test_no_template_uses_a_govuk_class_govuk_frontend_does_not_define():
    """Defined means GOV.UK Frontend's styles or its own component templates (for classes that only mark
    structure or a script's hook, like `govuk-table__row`) use it."""
    frontend = settings.BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
    sources = [(settings.BASE_DIR / "static" / "dist" / "app.css").read_text()]
    sources += [p.read_text() for p in frontend.rglob("*.scss")] + [p.read_text() for p in frontend.rglob("*.njk")]
    known = "\n".join(sources)
    used = set()
    for template in (settings.BASE_DIR / "templates").rglob("*.html"):
        for classes in re.findall(r'class="([^"{}]*)"', template.read_text()):
            used.update(c for c in classes.split() if c.startswith("govuk-") and "!" not in c)
    assert "govuk-caption-s" not in used
    undefined = sorted(c for c in used if not re.search(re.escape(c) + r"(?![a-z0-9_-])", known))
    assert not undefined, undefined


def test_recording_consent_from_the_cafs_check_your_answers_returns_to_the_caf(client_for, db):
    from caf import services as caf_services
    from children import services as child_services

    from .children.form_data import consent_fields, date_data

    school = AgencyFactory(name="Riverside Primary School")
    teacher = member_of(school, full_name="Rhian Teacher")
    child = child_services.child_create(actor=teacher, first_name="Wayne", last_name="Carter", sex="male")
    caf = caf_services.caf_start(actor=teacher, child=child)
    client = client_for(teacher)
    check = reverse("caf-check-answers", args=[caf.pk])
    page = client.get(check).content.decode()
    link = re.search(r'href="([^"]*/consent/new/[^"]*)"', page).group(1).replace("&amp;", "&")
    fields = consent_fields()
    data = {k: v for k, v in fields.items() if k != "given_on"}
    data.update(date_data("given_on", fields["given_on"]))
    response = client.post(link, data)
    assert response.status_code == 302
    assert response["Location"] == check
    # Another child's CAF in the link is not followed: the child's page is.
    other = child_services.child_create(actor=teacher, first_name="Della", last_name="Carter", sex="female")
    response = client.post(reverse("consent-new", args=[other.pk]) + f"?caf={caf.pk}", data)
    assert response["Location"].startswith(other.get_absolute_url())
    # The outsider to the child gets 404 however they come.
    outsider = member_of(AgencyFactory(name="Faraway Youth Club"), full_name="Olly Outsider")
    assert client_for(outsider).post(link, data).status_code == 404
