"""Places, imports and the postcode search in real Chromium: the agency's manager adds a second place for a
service, the co-ordinator imports a feed and reads its report, a member of the public searches by postcode.
axe-core on every new page; the same journeys without JavaScript."""

import json

import pytest
from playwright.sync_api import expect

from directory import services
from directory.models import ImportRun

from ..browser import BrowserPage, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def add_a_second_place(page, service):
    page.visit(f"/directory/agencies/{service.agency_id}/")
    page.get_by_role("link", name=f"Add a place where {service.name} runs").click()
    page.get_by_label("At an address").check()
    page.get_by_label("Name of the place").fill("The Willows")
    page.get_by_role("button", name="Save the place").click()
    # Every part of an address is needed, and what was typed stays.
    expect(page.get_by_role("link", name="Enter the town or city")).to_be_visible()
    assert page.get_by_label("Name of the place").input_value() == "The Willows"
    page.get_by_label("Address line 1").fill("Hospital Road")
    page.get_by_label("Town or city").fill("Northfield")
    page.get_by_label("County").fill("Northfieldshire")
    page.get_by_label("Postcode").fill("nf3 7wh")
    page.get_by_label("Thursday opens at").fill("13:00")
    page.get_by_label("Thursday closes at").fill("15:00")
    page.get_by_role("button", name="Save the place").click()
    page.get_by_text("The Willows, Hospital Road, Northfield, NF3 7WH has been added").wait_for()


def test_the_manager_adds_a_place_the_coordinator_imports_and_the_public_search_by_postcode(
    page,
    browser,
    live_server,
    agency,
    coordinator,
    other_manager,
    listed_service,
    school_directory,
    password,
    tmp_path,
    private_files,
):
    page.sign_in(other_manager.email, password)
    page.visit(f"/directory/services/{listed_service.pk}/places/add/")
    assert_accessible(page)
    add_a_second_place(page, listed_service)
    assert_accessible(page)
    link = listed_service.service_locations.get(location__name="The Willows")
    page.visit(f"/directory/services/{listed_service.pk}/places/{link.pk}/remove/")
    assert_accessible(page)
    assert page.console_errors == []

    # The co-ordinator imports a council's feed, one record of which is broken, and reads the report.
    cp = BrowserPage(browser.new_page(base_url=live_server.url), live_server.url)
    cp.sign_in(coordinator.email, password)
    cp.visit("/directory/")
    cp.get_by_role("link", name=f"Import an Open Referral UK feed for {agency.name}").click()
    assert_accessible(cp)
    feed = tmp_path / "council.json"
    org = {"id": "21111111-2222-4333-8444-555555555555", "name": "Council family hubs", "description": "Hubs"}
    feed.write_text(
        json.dumps(
            [
                {
                    "id": "31111111-2222-4333-8444-555555555555",
                    "name": "Stay and play",
                    "status": "active",
                    "organization": org,
                },
                {
                    "id": "41111111-2222-4333-8444-555555555555",
                    "name": "Broken",
                    "status": "nonsense",
                    "organization": org,
                },
            ]
        )
    )
    cp.get_by_label("Or upload a feed file").set_input_files(str(feed))
    cp.get_by_role("button", name="Start the import").click()
    cp.get_by_role("heading", name="Import of council.json").wait_for()
    expect(cp.get_by_text("Finished")).to_be_visible()
    expect(cp.get_by_text("1 created")).to_be_visible()
    expect(cp.get_by_text("'nonsense' is not one of")).to_be_visible()
    assert_accessible(cp)
    cp.visit(f"/directory/settings/{agency.pk}/imports/")
    expect(cp.get_by_role("link", name="council.json")).to_be_visible()
    assert_accessible(cp)
    assert cp.console_errors == []

    # A member of the public searches the published directory by postcode.
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=school_directory)
    public = BrowserPage(browser.new_page(base_url=live_server.url), live_server.url)
    public.visit(f"/directory/published/{school_directory.slug}/")
    public.get_by_label("Near a postcode").fill("NF4 6KH")
    public.get_by_label("Within").select_option(label="5 miles")
    public.get_by_role("button", name="Apply").click()
    expect(public.get_by_text("0.4 miles away")).to_be_visible()
    expect(public.get_by_role("heading", name="Baby weigh clinic")).to_be_visible()
    assert_accessible(public)
    public.get_by_label("Near a postcode").fill("NF8 1AA")
    public.get_by_role("button", name="Apply").click()
    expect(
        public.get_by_role("link", name="We do not know where NF8 1AA is: check it, or search without a postcode")
    ).to_be_visible()
    assert_accessible(public)
    assert public.console_errors == []
    assert ImportRun.objects.count() == 1


def test_the_same_pages_work_without_javascript(
    page_without_js,
    browser,
    live_server,
    agency,
    coordinator,
    other_manager,
    listed_service,
    school_directory,
    password,
    tmp_path,
    private_files,
):
    page = page_without_js
    page.sign_in(other_manager.email, password)
    add_a_second_place(page, listed_service)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = BrowserPage(context.new_page(), live_server.url)
    page.sign_in(coordinator.email, password)
    page.visit(f"/directory/settings/{agency.pk}/imports/")
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([]))
    page.get_by_label("Or upload a feed file").set_input_files(str(feed))
    page.get_by_role("button", name="Start the import").click()
    expect(page.get_by_text("0 created")).to_be_visible()
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=school_directory)
    page.visit(f"/directory/published/{school_directory.slug}/?postcode=NF4+6KH&miles=10")
    expect(page.get_by_text("0.4 miles away")).to_be_visible()
    context.close()
