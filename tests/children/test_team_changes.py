"""Team changes are accountable (issue 11 §4): who may change the lead professional, handover notes, who may
end an involvement, and consent that follows the team as it was when the family gave it."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Membership, Notification
from children import services
from children.models import ConsentCoverage, HandoverNote, Involvement, LeadProfessional, SafeguardingEscalation
from referrals import services as referral_services

from ..factories import AgencyFactory, member_of
from .form_data import consent_fields, date_data

pytestmark = pytest.mark.django_db

HANDOVER = "Jade prefers calls after 3pm; the housing appeal is heard on the 14th"


@pytest.fixture
def camhs(db):
    return AgencyFactory(name="Northfield CAMHS", kind=Agency.Kind.CAMHS)


@pytest.fixture
def newcomer(camhs):
    """A practitioner of CAMHS, which joined Keziah's team after the family gave consent."""
    return member_of(camhs, full_name="Nina Newcomer", email="nina@camhs.example.org")


@pytest.fixture
def newcomer_manager(camhs):
    return member_of(camhs, Membership.Role.MANAGER, full_name="Nigel Newmanager", email="nigel@camhs.example.org")


@pytest.fixture
def joined_later(child, camhs, lead_professional, newcomer, newcomer_manager):
    return services.involvement_add(actor=lead_professional, child=child, agency=camhs, role="Therapy")


@pytest.fixture
def social_care(db):
    return AgencyFactory(name="Northfield Children's Social Care", kind=Agency.Kind.SOCIAL_CARE)


@pytest.fixture
def social_worker(social_care):
    return member_of(social_care, full_name="Fatima Social", email="fatima@csc.example.org")


@pytest.fixture
def social_care_manager(social_care):
    return member_of(social_care, Membership.Role.MANAGER, full_name="David Duty", email="david@csc.example.org")


def _told(event, user):
    return Notification.objects.filter(event=event, user=user)


def _choose(client, child, practitioner, **extra):
    data = {"practitioner": practitioner.pk, "family_agreed": "on", **date_data("agreed_on", timezone.localdate())}
    data.update(extra)
    return client.post(reverse("lead-professional-choose", args=[child.pk]), data)


# --- Consent follows the team ---------------------------------------------------------------------

# (sees basic details, sees additional information)
COVERAGE = {
    "lead_professional": (True, True),
    "hv_colleague": (True, True),
    "teacher": (True, True),
    "housing_officer": (True, False),  # the consent excludes housing from additional information
    "newcomer": (False, False),  # joined after consent: not covered until the family is asked
    "outsider": (False, False),
    "platform_admin": (False, False),
}


@pytest.mark.parametrize("persona, expected", COVERAGE.items())
def test_a_consent_for_every_agency_in_the_team_covers_the_team_when_it_was_given(
    request, client_for, child, joined_later, persona, expected
):
    user = request.getfixturevalue(persona)
    rights = access.child_access(user, child)

    assert (rights.may_view_basic, rights.may_view_additional) == expected
    assert access.children_visible_to(user).filter(pk=child.pk).exists() is expected[0]
    assert client_for(user).get(reverse("child-detail", args=[child.pk])).status_code == (200 if expected[0] else 404)


def test_the_consent_records_the_agencies_in_the_team_when_it_was_given(child, health_visiting, school, housing):
    coverage = ConsentCoverage.objects.filter(consent=child.current_consent)
    assert {c.agency for c in coverage} == {health_visiting, school, housing}
    assert {c.basis for c in coverage} == {ConsentCoverage.Basis.IN_TEAM}


def _confirm(client, child, agency, **changes):
    data = {
        "agency": agency.pk,
        "agreed_by_name": "Jade Carter",
        "method": "verbal",
        **date_data("agreed_on", timezone.localdate()),
        **changes,
    }
    return client.post(reverse("consent-confirm", args=[child.pk]), data)


def test_a_newly_joined_agency_is_covered_once_the_familys_consent_is_confirmed_for_it(
    client_for, child, joined_later, camhs, lead_professional, newcomer, newcomer_manager, teacher
):
    response = _confirm(client_for(lead_professional), child, camhs)

    assert response.status_code == 302
    coverage = ConsentCoverage.objects.get(consent=child.current_consent, agency=camhs)
    assert coverage.basis == ConsentCoverage.Basis.CONFIRMED
    assert coverage.confirmed_by == lead_professional and coverage.confirmed_at is not None
    assert coverage.agreed_by_name == "Jade Carter" and coverage.agreed_on == timezone.localdate()
    rights = access.child_access(newcomer, child)
    assert rights.may_view_basic and rights.may_view_additional
    confirmed = Notification.Event.CONSENT_CONFIRMED
    assert _told(confirmed, newcomer).count() == 1 and _told(confirmed, newcomer_manager).count() == 1
    assert not _told(confirmed, teacher).exists()


@pytest.mark.parametrize("persona", ["housing_officer", "newcomer", "outsider"])
def test_only_those_who_may_edit_the_record_confirm_consent(request, client_for, child, joined_later, camhs, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("consent-confirm", args=[child.pk])).status_code == 404
    assert _confirm(client, child, camhs).status_code == 404
    assert not ConsentCoverage.objects.filter(agency=camhs).exists()


def test_confirming_needs_who_agreed_and_keeps_what_was_typed(
    client_for, child, joined_later, camhs, lead_professional
):
    response = _confirm(client_for(lead_professional), child, camhs, agreed_by_name="", method="")

    assert response.status_code == 200
    assert "Enter who in the family agreed" in response.content.decode()
    assert not ConsentCoverage.objects.filter(agency=camhs).exists()


def test_a_referral_to_an_agency_outside_the_team_is_never_covered_by_every_agency_in_the_team(
    child, teacher, school, camhs, lead_professional
):
    assert not access.consent_covers(child, camhs)
    with pytest.raises(ValidationError) as refused:
        referral_services.referral_send(
            actor=teacher, child=child, from_agency=school, to_agency=camhs, reason="Low mood"
        )
    assert "Confirm the family's consent for Northfield CAMHS" in str(refused.value)

    services.consent_confirm_for_agency(
        actor=lead_professional,
        child=child,
        agency=camhs,
        agreed_by_name="Jade Carter",
        agreed_on=timezone.localdate(),
        method="verbal",
    )
    referral = referral_services.referral_send(
        actor=teacher, child=child, from_agency=school, to_agency=camhs, reason="Low mood"
    )
    assert referral.pk


def test_existing_consents_get_the_team_of_the_time_they_were_given(
    child, health_visiting, school, camhs, lead_professional
):
    """The data migration, run again over a consent that has lost its recorded team."""
    consent = child.current_consent
    ConsentCoverage.objects.filter(consent=consent).delete()
    services.involvement_add(actor=lead_professional, child=child, agency=camhs, role="Therapy")
    Involvement.objects.filter(child=child, agency=camhs).update(started_on=timezone.localdate() + timedelta(days=1))
    ended = Involvement.objects.get(child=child, agency=school)
    Involvement.objects.filter(pk=ended.pk).update(ended_on=consent.given_on - timedelta(days=1))

    migration = importlib.import_module("children.migrations.0003_team_consent_escalation_handover")
    migration.forwards(apps, None)

    covered = set(ConsentCoverage.objects.filter(consent=consent).values_list("agency__name", flat=True))
    assert health_visiting.name in covered and "Northfield Housing Services" in covered
    assert camhs.name not in covered  # joined after
    assert school.name not in covered  # had left before consent was given


# --- Changing the lead professional ---------------------------------------------------------------

LEAD_CHANGERS = {
    "lead_professional": True,
    "hv_manager": True,  # a manager of the lead's agency
    "hv_colleague": False,
    "teacher": False,
    "school_manager": False,  # a manager of another agency, while there is a lead
    "housing_officer": False,
    "outsider": False,
    "platform_admin": False,
}


@pytest.mark.parametrize("persona, allowed", LEAD_CHANGERS.items())
def test_who_may_change_the_lead_professional(request, client_for, child, teacher, persona, allowed):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse("lead-professional-choose", args=[child.pk])
    record = client.get(reverse("child-detail", args=[child.pk]))

    assert client.get(url).status_code == (200 if allowed else 404)
    if record.status_code == 200:
        assert (url in record.content.decode()) is allowed
    response = _choose(client, child, teacher)
    assert response.status_code == (302 if allowed else 404)
    current = LeadProfessional.objects.get(child=child, ended_on__isnull=True)
    assert (current.practitioner == teacher) is allowed


@pytest.mark.parametrize(
    "persona, allowed",
    [("hv_manager", True), ("school_manager", True), ("teacher", False), ("lead_professional", False)],
)
def test_with_no_lead_a_manager_of_any_involved_agency_chooses_one(
    request, client_for, child, teacher, persona, allowed
):
    LeadProfessional.objects.filter(child=child).update(ended_on=timezone.localdate())

    response = _choose(client_for(request.getfixturevalue(persona)), child, teacher)

    assert response.status_code == (302 if allowed else 404)
    assert LeadProfessional.objects.filter(child=child, ended_on__isnull=True, practitioner=teacher).exists() is allowed


def test_a_change_of_lead_needs_the_familys_agreement(client_for, child, lead_professional, teacher):
    response = _choose(client_for(lead_professional), child, teacher, family_agreed="")

    assert response.status_code == 200
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == lead_professional


def test_the_old_lead_the_new_lead_and_the_team_are_told_once(
    client_for, child, hv_manager, lead_professional, teacher, housing
):
    housing_manager = member_of(housing, Membership.Role.MANAGER, full_name="Hilda Housingmanager")

    _choose(client_for(hv_manager), child, teacher)

    new_lead = LeadProfessional.objects.get(child=child, ended_on__isnull=True)
    changed = Notification.objects.filter(
        event=Notification.Event.LEAD_CHANGED, occurrence=f"lead:{new_lead.pk}:started"
    )
    assert sorted(changed.values_list("user__full_name", flat=True)) == sorted(
        [lead_professional.full_name, teacher.full_name, housing_manager.full_name]
    )  # not who made the change, nor a colleague not named on the team


def test_the_old_lead_leaves_a_handover_note_that_the_new_lead_sees_first(
    client_for, child, lead_professional, teacher, hv_colleague, hv_manager
):
    _choose(client_for(lead_professional), child, teacher, handover_note=HANDOVER)

    note = HandoverNote.objects.get(child=child)
    assert note.written_by == lead_professional and note.to_lead.practitioner == teacher
    assert _told(Notification.Event.HANDOVER_NOTE, teacher).count() == 1
    page = client_for(teacher).get(reverse("child-detail", args=[child.pk])).content.decode()
    # First: before the record's own content.
    assert HANDOVER in page and page.index(HANDOVER) < page.index("Identifying details")
    for other in (hv_colleague, hv_manager):
        assert HANDOVER not in client_for(other).get(reverse("child-detail", args=[child.pk])).content.decode()

    client_for(teacher).post(reverse("handover-note-read", args=[child.pk, note.pk]))

    note.refresh_from_db()
    assert note.read_at is not None
    page = client_for(teacher).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert page.index(HANDOVER) > page.index("Team around the child")


def test_when_a_manager_changes_the_lead_the_old_lead_may_write_the_note_afterwards(
    client_for, child, hv_manager, lead_professional, teacher, hv_colleague
):
    _choose(client_for(hv_manager), child, teacher)
    url = reverse("handover-note-new", args=[child.pk])

    for nobody in (hv_manager, hv_colleague, teacher):
        assert client_for(nobody).get(url).status_code == 404
    assert url in client_for(lead_professional).get(reverse("child-detail", args=[child.pk])).content.decode()
    response = client_for(lead_professional).post(url, {"text": HANDOVER})

    assert response.status_code == 302
    assert HandoverNote.objects.get(child=child).to_lead.practitioner == teacher
    assert client_for(lead_professional).get(url).status_code == 404  # one note per change


def test_a_manager_changing_the_lead_is_not_offered_the_handover_note(client_for, child, hv_manager):
    page = client_for(hv_manager).get(reverse("lead-professional-choose", args=[child.pk])).content.decode()
    assert "handover_note" not in page


# --- Ending an involvement ------------------------------------------------------------------------

ENDERS = {
    "teacher": True,  # a member of the agency
    "school_manager": True,
    "lead_professional": True,
    "hv_colleague": False,
    "hv_manager": False,
    "housing_officer": False,
    "outsider": False,
    "platform_admin": False,
}


@pytest.mark.parametrize("persona, allowed", ENDERS.items())
def test_who_may_end_an_agencys_involvement(request, client_for, child, school, persona, allowed):
    involvement = Involvement.objects.current().get(child=child, agency=school)
    client = client_for(request.getfixturevalue(persona))
    url = reverse("involvement-end", args=[child.pk, involvement.pk])
    record = client.get(reverse("child-detail", args=[child.pk]))

    assert client.get(url).status_code == (200 if allowed else 404)
    if record.status_code == 200:
        assert (url in record.content.decode()) is allowed
    response = client.post(url, {"reason": "Keziah has moved school"})
    assert response.status_code == (302 if allowed else 404)
    involvement.refresh_from_db()
    assert (involvement.ended_on is not None) is allowed


def test_the_agencys_members_are_told_their_involvement_ended(
    client_for, child, school, teacher, school_manager, lead_professional, hv_colleague
):
    involvement = Involvement.objects.current().get(child=child, agency=school)

    client_for(lead_professional).post(
        reverse("involvement-end", args=[child.pk, involvement.pk]), {"reason": "Moved school"}
    )

    ended = Notification.Event.INVOLVEMENT_ENDED
    assert _told(ended, teacher).count() == 1 and _told(ended, school_manager).count() == 1
    assert not _told(ended, hv_colleague).exists()
    # They can no longer open the record, so the notification names the reference, not the child.
    assert child.first_name not in _told(ended, teacher).get().text


# --- Social care through an escalation ------------------------------------------------------------


def test_social_care_sees_basic_details_while_its_decision_is_awaited_and_nothing_after(
    child, teacher, social_worker, social_care_manager
):
    escalation = services.escalation_record(
        actor=teacher,
        child=child,
        concern="Bruising",
        contacted_at=timezone.now() - timedelta(hours=1),
        contacted_whom="Duty desk",
    )
    for person in (social_worker, social_care_manager):
        rights = access.child_access(person, child)
        assert (rights.may_view_basic, rights.may_view_additional) == (True, False)

    services.escalation_decide(
        actor=social_worker,
        escalation=escalation,
        outcome=SafeguardingEscalation.Outcome.ADVICE,
        decided_by=social_worker,
        decided_at=timezone.now(),
        note="Advice to the school",
    )
    for person in (social_worker, social_care_manager):
        assert not access.child_access(person, child).may_view_basic


def test_consent_for_basic_only_still_needs_the_agency_in_the_team_when_it_was_given(
    child, lead_professional, camhs, newcomer
):
    services.consent_record(actor=lead_professional, child=child, **consent_fields(scope="basic"))
    services.involvement_add(actor=lead_professional, child=child, agency=camhs, role="Therapy")

    assert not access.child_access(newcomer, child).may_view_basic
