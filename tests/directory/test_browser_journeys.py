"""The directory journey in real Chromium, with axe-core on every directory page."""

import re

import pytest
from playwright.sync_api import expect

from directory import services

from ..browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_updates_the_sheet_the_coordinator_publishes_and_the_public_page_filters(
    page, browser, live_server, agency, coordinator, other_agency, other_manager, listed_service, password
):
    # The agency manager updates the sheet, meeting a field error on the way.
    page.sign_in(other_manager.email, password)
    page.visit("/directory/")
    assert_accessible(page)
    page.get_by_role("link", name=other_agency.name).click()
    page.get_by_role("heading", name=other_agency.name).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Change the information sheet").click()
    page.get_by_label("Email").fill("not an email")
    page.get_by_label("What to include in a referral").fill("The concern and the family's consent")
    page.get_by_role("button", name="Save the information sheet").click()
    expect(page.get_by_role("link", name=re.compile("Enter an email address in the correct format"))).to_be_visible()
    assert page.get_by_label("What to include in a referral").input_value() == "The concern and the family's consent"
    assert_accessible(page)
    page.get_by_label("Email").fill("hv@northfield.example.org")
    page.get_by_role("button", name="Save the information sheet").click()
    page.get_by_text("has been saved").wait_for()
    assert_accessible(page)
    page.visit(f"/directory/services/{listed_service.pk}/edit/")
    assert_accessible(page)
    page.visit(f"/directory/agencies/{other_agency.pk}/")
    page.get_by_role("link", name="Change history of the information sheet and services").click()
    expect(page.get_by_text("Information sheet: changed").first).to_be_visible()
    assert_accessible(page)

    # The co-ordinator starts the school's directory, adds the agency and publishes.
    coordinator_page = browser.new_page(base_url=live_server.url)
    from ..browser import BrowserPage

    cp = BrowserPage(coordinator_page, live_server.url)
    cp.sign_in(coordinator.email, password)
    cp.visit("/directory/")
    cp.get_by_role("link", name=f"Start the directory of {agency.name}").click()
    assert_accessible(cp)
    cp.get_by_role("button", name="Start the directory").click()
    cp.get_by_role("heading", name=f"{agency.name} directory").wait_for()
    assert_accessible(cp)
    cp.get_by_role("link", name="Add an agency").click()
    cp.get_by_label("Choose the agency").select_option(label=other_agency.name)
    cp.get_by_label("Note for the setting").fill("In school every Tuesday morning, room 4")
    assert_accessible(cp)
    cp.get_by_role("button", name="Add to the draft").click()
    cp.get_by_text("has been added to the draft").wait_for()
    assert_accessible(cp)
    cp.get_by_role("link", name="Publish the directory").click()
    assert_accessible(cp)
    cp.get_by_role("button", name="Publish").click()
    cp.get_by_text("Version 1 of the directory has been published").wait_for()
    assert_accessible(cp)
    assert cp.console_errors == []

    # Signed out, the public page shows it and the filters work.
    public = BrowserPage(browser.new_page(base_url=live_server.url), live_server.url)
    slug = agency.directory.slug
    public.visit(f"/directory/published/{slug}/")
    expect(public.get_by_role("heading", name=other_agency.name)).to_be_visible()
    expect(public.get_by_text("In school every Tuesday morning, room 4")).to_be_visible()
    expect(public.get_by_text("The concern and the family's consent")).to_be_visible()
    assert_accessible(public)
    public.get_by_label("Day").select_option(label="Friday")
    public.get_by_role("button", name="Apply").click()
    expect(public.get_by_text("Nothing matches")).to_be_visible()
    assert_accessible(public)
    public.get_by_label("Day").select_option(label="Tuesday")
    public.get_by_label("Age of the child or young person").fill("old")
    public.get_by_role("button", name="Apply").click()
    expect(public.get_by_role("link", name=re.compile("Enter an age as a whole number"))).to_be_visible()
    assert_accessible(public)
    public.get_by_label("Age of the child or young person").fill("1")
    public.get_by_role("button", name="Apply").click()
    expect(public.get_by_role("heading", name=other_agency.name)).to_be_visible()
    assert_accessible(public)
    public.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(public)
    assert public.console_errors == []

    # The draft then shows a change made since publication.
    services.service_update(actor=other_manager, service=listed_service, cost="£2")
    cp.reload()
    cp.wait_for_load_state()
    assert_accessible(cp)
    cp.get_by_role("link", name="Change history of the directory").click()
    expect(cp.get_by_text("Version 1: published")).to_be_visible()
    assert_accessible(cp)
    coordinator_page.close()
