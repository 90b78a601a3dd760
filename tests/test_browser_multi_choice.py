"""In real Chromium: every kind of "choose all that apply" question takes two answers and shows both again
after saving; and the time-out script keeps a form that does not autosave. axe-core on every form page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.demo import DEMO_PASSWORD
from caf.models import Review
from children.models import Child
from directory.models import PractitionerProfile, Service

from .browser import assert_accessible
from .forms_world import HEAD, HEALTH_VISITOR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _boxes(page, legend):
    group = page.get_by_role("group", name=legend, exact=True)
    boxes = group.get_by_role("checkbox")
    expect(boxes.first).to_be_visible()
    return boxes


def tick_only(page, legend, count=2) -> list[str]:
    """Untick every box of the question and tick its first `count`; return their labels."""
    boxes = _boxes(page, legend)
    chosen = []
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if i < count:
            box.check()
            chosen.append(box.evaluate("el => el.labels[0].textContent.trim()"))
        else:
            box.uncheck()
    return chosen


def ticked(page, legend) -> list[str]:
    boxes = _boxes(page, legend)
    return [
        boxes.nth(i).evaluate("el => el.labels[0].textContent.trim()")
        for i in range(boxes.count())
        if boxes.nth(i).is_checked()
    ]


def fill_date(page, legend, when):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def test_a_consent_covers_and_excludes_two_agencies(page, world):
    wayne = world["wayne"]
    page.sign_in(HEALTH_VISITOR, DEMO_PASSWORD)
    page.visit(reverse("consent-new", args=[wayne.pk]))
    page.get_by_role("heading", name="Record consent").wait_for()
    assert_accessible(page)
    page.locator("input[type=radio][name=given_by]").first.check()
    page.get_by_label("Name of the person giving consent").fill("Jess Carter")
    fill_date(page, "Date consent was given", timezone.localdate())
    page.locator("input[type=radio][name=method]").first.check()
    page.locator("input[type=radio][name=scope]").last.check()
    all_agencies = page.locator("input[name=all_involved_agencies]")
    if all_agencies.is_checked():
        all_agencies.uncheck()
    covered = tick_only(page, "If not every agency: the agencies it covers", 3)
    excluded = tick_only(page, "Agencies that may not see additional information", 2)
    page.get_by_label("What the information will be used for").fill("The CAF and the team around Wayne")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("The consent has been recorded")).to_be_visible()
    consent = Child.objects.get(pk=wayne.pk).current_consent
    assert sorted(a.name for a in consent.agencies_included.all()) == sorted(covered)
    assert sorted(a.name for a in consent.agencies_excluded.all()) == sorted(excluded)
    record = page.locator("main")
    expect(record).to_contain_text("Covers " + ", ".join(covered))
    expect(record).to_contain_text("Excluded from additional information: " + ", ".join(excluded))


def test_a_review_keeps_every_practitioner_who_attended(page, world):
    caf = world["caf"]
    page.sign_in(HEALTH_VISITOR, DEMO_PASSWORD)
    page.visit(reverse("caf-review-new", args=[caf.pk]))
    page.get_by_role("heading", name="Record a team around the child review").wait_for()
    assert_accessible(page)
    present = tick_only(page, "Practitioners who attended", 2)
    assert len(present) == 2
    fill_date(page, "Date of the meeting", timezone.localdate())
    fill_date(page, "Next review date", timezone.localdate() + timedelta(weeks=6))
    page.get_by_label("Progress on each action").fill("Wayne is collected on time most days")
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("The review has been recorded")).to_be_visible()
    review = Review.objects.filter(assessment=caf).order_by("-pk").first()
    assert sorted(u.full_name for u in review.practitioners_present.all()) == sorted(present)


def test_the_directory_keeps_two_of_every_kind_of_choice(page, world):
    school = world["school"]
    page.sign_in(HEAD, DEMO_PASSWORD)

    sheet = reverse("directory-agency-edit", args=[school.pk])
    page.visit(sheet)
    assert_accessible(page)
    offered = tick_only(page, "Services offered")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".govuk-notification-banner__heading")).to_contain_text("has been saved")
    page.visit(sheet)
    assert ticked(page, "Services offered") == offered

    service = Service.objects.filter(agency=school).first()
    edit = reverse("directory-service-edit", args=[service.pk])
    page.visit(edit)
    assert_accessible(page)
    types = tick_only(page, "Types of service")
    outcomes = tick_only(page, "Every Child Matters outcomes it serves")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".govuk-notification-banner__heading")).to_contain_text("has been saved")
    page.visit(edit)
    assert ticked(page, "Types of service") == types
    assert ticked(page, "Every Child Matters outcomes it serves") == outcomes

    practitioner = PractitionerProfile.objects.filter(user__email=HEAD).first() or PractitionerProfile.objects.first()
    page.context.clear_cookies()
    page.sign_in(practitioner.user.email, DEMO_PASSWORD)
    profile = reverse("directory-practitioner-profile")
    page.visit(profile)
    assert_accessible(page)
    days = tick_only(page, "Days you are available")
    assert days == ["Monday", "Tuesday"]
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".govuk-notification-banner__heading")).to_contain_text("has been saved")
    page.visit(profile)
    assert ticked(page, "Days you are available") == days
    assert PractitionerProfile.objects.get(pk=practitioner.pk).available_days == [1, 2]


def test_the_time_out_keeps_a_form_that_does_not_autosave(page, world, settings):
    wayne = world["wayne"]
    page.sign_in(HEALTH_VISITOR, DEMO_PASSWORD)
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=4)
    settings.SESSION_WARNING_BEFORE = timedelta(seconds=2)
    page.visit(reverse("child-edit", args=[wayne.pk]))
    page.get_by_label("Other names").fill("Wayne Kept")
    # The script's clock runs out: it posts the form to be kept; the server signs the user out.
    page.get_by_label("Email address").wait_for(timeout=15_000)
    assert "timed_out=1" in page.url
    assert Child.objects.get(pk=wayne.pk).other_names != "Wayne Kept"
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    settings.SESSION_WARNING_BEFORE = timedelta(minutes=2)
    page.get_by_label("Email address").fill(HEALTH_VISITOR)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("We kept what you typed")).to_be_visible()
    assert page.get_by_label("Other names").input_value() == "Wayne Kept"
    assert_accessible(page)
    assert page.console_errors == []
