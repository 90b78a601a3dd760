"""Journeys in real Chromium, with axe-core on every page type."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from agencies.models import Membership, User

from ..browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_signs_in_opens_their_agency_and_adds_a_member(page, agency, manager, colleague, password):
    page.visit("/")
    assert "/sign-in/" in page.url
    assert_accessible(page)

    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My work").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Agencies").first.click()
    page.get_by_role("heading", name="Agencies").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name=agency.name).click()
    page.get_by_role("heading", name=agency.name).wait_for()
    expect(page.get_by_role("cell", name=colleague.full_name, exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Add a member").click()
    page.get_by_role("heading", name="Add a member").wait_for()
    assert_accessible(page)
    page.get_by_label("Email address").fill("nia.newcomer@school.example.org")
    page.get_by_role("button", name="Add member").click()
    # No account yet and no name: a clear error, and the email address is kept.
    expect(page.get_by_role("link", name=re.compile("Enter the person.s full name"))).to_be_visible()
    assert page.get_by_label("Email address").input_value() == "nia.newcomer@school.example.org"
    assert_accessible(page)

    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("Job title").fill("Learning mentor")
    page.get_by_label("Directory co-ordinator").check()
    page.get_by_role("button", name="Add member").click()
    page.get_by_text("Nia Newcomer has been added to").wait_for()
    expect(page.get_by_role("cell", name="Nia Newcomer", exact=True)).to_be_visible()
    assert_accessible(page)
    membership = Membership.objects.get(user__email="nia.newcomer@school.example.org")
    assert membership.role == Membership.Role.COORDINATOR and membership.agency == agency

    page.get_by_role("link", name=f"Change history of {agency.name}").click()
    page.get_by_role("heading", name="Change history").wait_for()
    expect(page.get_by_text("Membership of Nia Newcomer: created")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Your profile").click()
    page.get_by_role("heading", name="Your profile").wait_for()
    assert_accessible(page)
    assert page.console_errors == [], "console errors (such as CSP violations)"


def test_a_manager_changes_a_role_and_removes_a_member_without_javascript(
    page_without_js, page, agency, manager, colleague, password
):
    # axe-core needs JavaScript, so each page reached without it is also scanned in a JavaScript browser.
    page.sign_in(manager.email, password)
    nojs = page_without_js
    nojs.sign_in(manager.email, password)
    nojs.visit(f"/agencies/{agency.pk}/")
    nojs.get_by_role("link", name=f"Change role of {colleague.full_name}").click()
    page.visit(nojs.url.removeprefix(nojs.base_url))
    assert_accessible(page)
    nojs.get_by_label("Manager").check()
    nojs.get_by_role("button", name="Save role").click()
    nojs.get_by_text(f"{colleague.full_name} is now a manager").wait_for()

    nojs.get_by_role("link", name=f"Remove {colleague.full_name}").click()
    nojs.get_by_role("heading", name=re.compile("Remove .* from")).wait_for()
    page.visit(nojs.url.removeprefix(nojs.base_url))
    assert_accessible(page)
    nojs.get_by_role("button", name="Remove from agency").click()
    nojs.get_by_text(f"{colleague.full_name} is no longer a member").wait_for()
    assert not Membership.objects.current().filter(user=colleague).exists()
    assert User.objects.get(pk=colleague.pk).is_active


def test_an_idle_user_is_warned_can_stay_signed_in_and_is_then_signed_out(page, colleague, password, settings):
    from datetime import timedelta

    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=8)
    settings.SESSION_WARNING_BEFORE = timedelta(seconds=6)
    page.sign_in(colleague.email, password)
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    dialog.wait_for(state="visible", timeout=5_000)
    assert_accessible(page)
    dialog.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    # Doing nothing more, the page returns to the sign-in page with an explanation.
    page.get_by_text("You were signed out because you had not done anything for a while").wait_for(timeout=15_000)
    assert "/sign-in/" in page.url


def test_a_locked_account_sees_a_clear_accessible_explanation(page, colleague):
    with override_settings(AXES_FAILURE_LIMIT=2):
        for _ in range(3):
            page.visit("/sign-in/")
            page.get_by_label("Email address").fill(colleague.email)
            page.get_by_label("Password").fill("wrong password here")
            page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Your account is locked").wait_for()
        assert_accessible(page)
