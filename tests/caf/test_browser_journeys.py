"""The CAF cycle in real Chromium: start, every section, check answers, complete, plan, review, close;
two practitioners editing at once; autosave; a time-out that loses nothing. axe-core on every page type."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caf.models import Action, Assessment, SectionEntry
from caf.sections import SECTIONS

from ..browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_date(page, legend, when: date):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(when.day))
    group.get_by_label("Month").fill(str(when.month))
    group.get_by_label("Year").fill(str(when.year))


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Your changes have been saved")).to_be_visible()


def test_the_whole_caf_cycle_in_the_browser(page, team, password):
    child = team["child"]
    page.sign_in(team["assessor"].email, password)
    page.visit(child.get_absolute_url())
    page.get_by_role("link", name="Start a CAF").click()
    page.get_by_role("heading", name=re.compile("Start a Common Assessment Framework")).wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Start the CAF").click()
    page.get_by_role("heading", name="Common Assessment Framework").wait_for()
    expect(page.get_by_text("If you think Wayne is at risk of significant harm")).to_be_visible()
    assert_accessible(page)
    caf = Assessment.objects.get(child=child)

    for section in SECTIONS:
        page.get_by_role("link", name=f"{section.number}. {section.title}").click()
        if section.key == "strengths-needs":
            page.get_by_role("heading", name="7. Strengths and needs").wait_for()
            assert_accessible(page)
            page.get_by_role("link", name="Emotional and social development").click()
            page.get_by_role("heading", name="Emotional and social development").wait_for()
            assert_accessible(page)
            page.get_by_label("Strengths").fill("Warm with his brother and sister")
            page.get_by_label("Needs").fill("Solitary at school")
            save_and_continue(page)
            page.get_by_role("link", name="Basic care, ensuring safety and protection").click()
            page.get_by_label("Needs").fill("Often collected late")
            save_and_continue(page)
            expect(page.get_by_text("Recorded")).to_have_count(2)
            page.get_by_label("Yes, I've completed this section").check()
            save_and_continue(page)
            continue
        page.get_by_role("heading", name=f"{section.number}. {section.title}").wait_for()
        if section.key in ("identifying-details", "assessment-information", "family"):
            assert_accessible(page)
        for spec in section.fields:
            page.get_by_label(spec.label, exact=True).fill(f"{spec.label}: written in the browser")
        page.get_by_label("Yes, I've completed this section").check()
        save_and_continue(page)
        expect(page.get_by_role("link", name=f"{section.number}. {section.title}")).to_be_visible()

    expect(page.locator(".govuk-task-list__status", has_text="Completed")).to_have_count(len(SECTIONS))
    assert_accessible(page)
    page.get_by_role("link", name="10. Consent, and check your answers").click()
    page.get_by_role("heading", name="Check your answers before completing the CAF").wait_for()
    expect(page.get_by_text("Solitary at school")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Complete the CAF").click()
    expect(page.get_by_role("link", name="Confirm that the family's consent still stands")).to_be_visible()
    page.get_by_label("The family's consent to store and share this information still stands").check()
    page.get_by_role("button", name="Complete the CAF").click()
    expect(page.get_by_text("CAF version 1 is completed")).to_be_visible()
    caf.refresh_from_db()
    assert caf.status == "completed"

    # The lead professional runs the plan.
    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["lead"].email, password)
    page.visit(f"/caf/{caf.pk}/plan/")
    assert_accessible(page)
    page.get_by_role("link", name="Add an action").click()
    page.get_by_role("heading", name="Add an action").wait_for()
    assert_accessible(page)
    page.get_by_label("The need it addresses").fill("Late collection")
    page.get_by_label("What will be done").fill("Breakfast club place")
    page.get_by_label("Why it is needed, for whoever does it").fill("Wayne is collected late most days")
    page.get_by_label("Who will do it").select_option(label="Tom Assessor, Practitioner")
    fill_date(page, "By when", timezone.localdate() + timedelta(days=14))
    page.get_by_label("Desired outcome").fill("Collected on time")
    page.get_by_label("Every Child Matters outcome and aim").select_option(value="3:2")
    page.get_by_role("button", name="Save action").click()
    expect(page.get_by_text("The delivery plan has been updated")).to_be_visible()
    assert Action.objects.get(assessment=caf).owner == team["assessor"]

    page.get_by_role("link", name="Record a review").click()
    page.get_by_role("heading", name="Record a team around the child review").wait_for()
    assert_accessible(page)
    fill_date(page, "Date of the meeting", timezone.localdate())
    page.get_by_label("Tom Assessor").check()
    page.get_by_label("Progress on each action").fill("Breakfast club started")
    fill_date(page, "Next review date", timezone.localdate() + timedelta(days=42))
    page.get_by_role("button", name="Record review").click()
    expect(page.get_by_text("The review has been recorded")).to_be_visible()

    # The action's owner updates it from their home page.
    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["assessor"].email, password)
    page.get_by_role("link", name="Breakfast club place", exact=True).click()
    page.get_by_role("heading", name="Breakfast club place").wait_for()
    assert_accessible(page)
    page.get_by_label("Done").check()
    page.get_by_label("Progress note").fill("Wayne goes every day")
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("Wayne goes every day")).to_be_visible()

    page.get_by_role("button", name="Sign out").first.click()
    page.sign_in(team["lead"].email, password)
    page.visit(f"/caf/{caf.pk}/plan/")
    page.get_by_role("link", name="Close the CAF").click()
    page.get_by_role("heading", name="Close the CAF").wait_for()
    assert_accessible(page)
    page.get_by_label("Stepped up to children's social care").check()
    page.get_by_role("button", name="Close the CAF").click()
    expect(page.get_by_role("link", name=re.compile("social care have decided to take the child on"))).to_be_visible()
    page.get_by_label("Needs met").check()
    page.get_by_role("button", name="Close the CAF").click()
    expect(page.get_by_text("The CAF has been closed")).to_be_visible()
    caf.refresh_from_db()
    assert caf.status == "closed" and caf.closure_reason == "needs_met"
    page.get_by_role("link", name="Versions and changes").click()
    page.get_by_role("heading", name="Versions and changes").wait_for()
    assert_accessible(page)
    assert page.console_errors == []


def test_two_practitioners_editing_the_same_section_never_overwrite_each_other(browser, live_server, team, password):
    from caf import services

    from ..browser import BrowserPage

    caf = services.caf_start(actor=team["assessor"], child=team["child"])
    url = f"/caf/{caf.pk}/sections/conclusions/"
    pages = []
    for who in ("assessor", "lead"):
        context = browser.new_context(java_script_enabled=False)
        page = BrowserPage(context.new_page(), live_server.url)
        page.sign_in(team[who].email, password)
        page.visit(url)
        pages.append(page)
    first, second = pages
    first.get_by_label("Conclusions, solutions and actions").fill("The school's conclusion")
    first.get_by_role("button", name="Save and continue").click()
    expect(first.get_by_text("Your changes have been saved")).to_be_visible()

    second.get_by_label("Conclusions, solutions and actions").fill("The health visitor's conclusion")
    second.get_by_role("button", name="Save and continue").click()
    second.get_by_role("heading", name="Someone else changed this section").wait_for()
    expect(second.get_by_text("The school's conclusion")).to_be_visible()
    expect(second.get_by_text("The health visitor's conclusion").first).to_be_visible()
    assert SectionEntry.objects.get(assessment=caf, key="conclusions").data["conclusions"] == "The school's conclusion"
    merged = "The school's conclusion. The health visitor's conclusion."
    second.get_by_label("Conclusions, solutions and actions").fill(merged)
    second.get_by_role("button", name="Save merged text").click()
    expect(second.get_by_text("Your changes have been saved")).to_be_visible()
    assert SectionEntry.objects.get(assessment=caf, key="conclusions").data["conclusions"] == merged
    for page in pages:
        page.page.context.close()


def test_autosave_saves_as_the_practitioner_types(page, team, password):
    from caf import services

    caf = services.caf_start(actor=team["assessor"], child=team["child"])
    page.sign_in(team["assessor"].email, password)
    page.visit(f"/caf/{caf.pk}/sections/child-views/")
    page.get_by_label("The child's or young person's views").press_sequentially("Wayne likes drawing", delay=20)
    expect(page.get_by_role("status")).to_have_text(re.compile("Saved at"), timeout=10_000)
    assert SectionEntry.objects.get(assessment=caf, key="child-views").data["views"] == "Wayne likes drawing"
    first_status = page.get_by_role("status").text_content()
    page.get_by_label("The child's or young person's views").press_sequentially(" and football", delay=20)
    expect(page.get_by_role("status")).not_to_have_text(first_status, timeout=10_000)
    expect(page.get_by_role("status")).to_have_text(re.compile("Saved at"))
    entry = SectionEntry.objects.get(assessment=caf, key="child-views")
    assert entry.data["views"] == "Wayne likes drawing and football" and entry.revision >= 2
    assert_accessible(page)


def test_a_time_out_loses_nothing_that_was_typed(page_without_js, team, password, settings):
    from caf import services

    caf = services.caf_start(actor=team["assessor"], child=team["child"])
    page = page_without_js
    page.sign_in(team["assessor"].email, password)
    page.visit(f"/caf/{caf.pk}/sections/parent-views/")
    page.get_by_label("The parent's or carer's views").fill("Jess wants help with the flat")
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=0)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("You were signed out because you had not done anything for a while")).to_be_visible()
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    page.get_by_label("Email address").fill(team["assessor"].email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="9. The parent's or carer's views").wait_for()
    expect(page.get_by_text("We kept what you typed")).to_be_visible()
    assert page.get_by_label("The parent's or carer's views").input_value() == "Jess wants help with the flat"
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Your changes have been saved")).to_be_visible()
    assert SectionEntry.objects.get(assessment=caf, key="parent-views").data["views"] == "Jess wants help with the flat"
