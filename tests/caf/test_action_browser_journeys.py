"""In real Chromium: the housing officer, whose agency the family's consent covers for basic details only,
opens and updates the overdue action given to him; his manager gives a queued action to him; the lead
professional sees which action is overdue. axe-core on every page, with and without errors."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Membership
from caf import services
from caf.models import Action

from ..browser import assert_accessible
from ..factories import member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(team):
    housing = team["housing"].memberships.get().agency
    team["housing_manager"] = member_of(
        housing, Membership.Role.MANAGER, full_name="Rachel Housingmanager", email="rachel@housing.example.org"
    )
    caf = services.caf_start(actor=team["assessor"], child=team["child"])

    def action(what, owner, due_in):
        return services.action_save(
            actor=team["lead"],
            action=Action(
                assessment=caf,
                need="Overcrowding worsens Jess's depression",
                what=what,
                why_for_owner="The family of five shares a two-bedroom flat on the third floor.",
                owner=owner,
                owner_agency=housing,
                due_on=timezone.localdate() + timedelta(days=due_in),
                desired_outcome="The family has a suitable home",
                ecm_aim="5:3",
            ),
        )

    overdue = action("Assess the family for settled accommodation", team["housing"], 7)
    overdue.due_on = timezone.localdate() - timedelta(days=7)
    overdue.save()
    queued = action("Visit the flat and report on its condition", None, 10)
    return {"caf": caf, "overdue": overdue, "queued": queued}


def test_the_housing_officer_opens_and_updates_his_overdue_action(page, team, plan, password):
    page.sign_in(team["housing"].email, password)
    owned = page.get_by_role("link", name="Assess the family for settled accommodation", exact=True)
    expect(owned).to_be_visible()
    expect(page.get_by_text("You have no actions")).to_have_count(0)
    expect(page.get_by_text("Overdue")).to_be_visible()
    assert_accessible(page)
    owned.click()
    page.get_by_role("heading", name="Assess the family for settled accommodation").wait_for()
    expect(page.get_by_text("The family of five shares a two-bedroom flat")).to_be_visible()
    expect(page.get_by_text("Sarah Lead")).to_be_visible()
    expect(page.get_by_text("Jess's depression")).to_have_count(0)  # the need as the CAF puts it stays there
    expect(page.get_by_role("link", name="See the whole delivery plan")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("In progress").check()
    page.get_by_label("Progress note").fill("Visited Jess; a three-bedroom house is being offered")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("Progress has been recorded")).to_be_visible()
    expect(page.get_by_text("Visited Jess; a three-bedroom house is being offered")).to_be_visible()
    assert_accessible(page)
    action = plan["overdue"]
    action.refresh_from_db()
    assert action.status == "in_progress" and action.notes.get().written_by == team["housing"]
    assert page.console_errors == []


def test_the_manager_gives_a_queued_action_to_the_officer_and_the_lead_sees_what_is_overdue(page, team, plan, password):
    page.sign_in(team["housing_manager"].email, password)
    expect(page.get_by_role("heading", name="Your agency's work queue")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Open the work queue").click()
    page.get_by_role("heading", name="Your agencies' work queue").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Give it to a practitioner").first.click()
    page.get_by_role("heading", name="Give the action to a practitioner").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Give them the action").click()
    expect(page.get_by_role("link", name="Select the practitioner who will do the action")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Mark Housing").check()
    page.get_by_role("button", name="Give them the action").click()
    expect(page.get_by_text("The action has been given to Mark Housing")).to_be_visible()
    plan["queued"].refresh_from_db()
    assert plan["queued"].owner == team["housing"]

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["lead"].email, password)
    expect(page.get_by_role("heading", name="Overdue actions")).to_be_visible()
    overdue = page.get_by_role("link", name="Assess the family for settled accommodation", exact=True)
    expect(overdue).to_be_visible()
    expect(page.get_by_role("link", name="Visit the flat and report on its condition", exact=True)).to_have_count(0)
    assert_accessible(page)
    overdue.click()
    page.get_by_role("heading", name="Assess the family for settled accommodation").wait_for()
    expect(page.get_by_role("link", name="See the whole delivery plan")).to_be_visible()
    assert_accessible(page)
    assert page.console_errors == []


def test_the_officer_updates_his_action_without_javascript(page_without_js, team, plan, password):
    page = page_without_js
    page.sign_in(team["housing"].email, password)
    page.get_by_role("link", name="Assess the family for settled accommodation", exact=True).click()
    page.get_by_label("Done").check()
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("Progress has been recorded")).to_be_visible()
    plan["overdue"].refresh_from_db()
    assert plan["overdue"].status == "done"
