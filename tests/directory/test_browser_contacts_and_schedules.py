"""Contacts and times beyond one a week in real Chromium: the agency's manager adds a second contact and a
monthly session to an existing service, a validation error keeps everything typed, saving the service
unchanged changes nothing; a member of the public sees both on the published page. axe-core on each page;
the forms work without JavaScript too."""

import pytest
from playwright.sync_api import expect

from directory import services
from directory.models import Contact, OpeningTime, Service

from ..browser import BrowserPage, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history_rows() -> int:
    return Service.history.count() + Contact.history.count() + OpeningTime.history.count()


def test_the_manager_adds_a_contact_and_a_monthly_session_and_the_public_sees_them(
    page, browser, live_server, coordinator, other_manager, listed_service, school_directory, password
):
    page.sign_in(other_manager.email, password)
    page.visit(f"/directory/agencies/{listed_service.agency_id}/")
    assert_accessible(page)

    # A second contact (the fixture's service has two already: this is the third), with an error first.
    page.get_by_role("link", name=f"Add a contact for {listed_service.name}").click()
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Priya Shah")
    page.get_by_label("Job title or role").fill("Family worker")
    page.get_by_label("Email").fill("priya at example")
    page.get_by_label("Telephone numbers").fill("01632 960 555\n07700 900 555")
    page.get_by_role("button", name="Save the contact").click()
    expect(page.get_by_role("link", name="Enter an email address in the correct format")).to_be_visible()
    assert_accessible(page)
    assert page.get_by_label("Name", exact=True).input_value() == "Priya Shah"
    assert page.get_by_label("Job title or role").input_value() == "Family worker"
    assert page.get_by_label("Telephone numbers").input_value() == "01632 960 555\n07700 900 555"
    page.get_by_label("Email").fill("priya@example.org")
    page.get_by_role("button", name="Save the contact").click()
    page.get_by_text("Priya Shah has been added").wait_for()

    # A monthly session on a date, with an error first.
    page.get_by_role("link", name=f"Add times for {listed_service.name}").click()
    assert_accessible(page)
    page.get_by_label("Once a month on a date, like the 15th").check()
    page.get_by_label("Starts at").fill("18:00")
    page.get_by_label("Ends at").fill("17:00")
    page.get_by_label("About these times").fill("Parents' evening")
    page.get_by_role("button", name="Save the times").click()
    expect(
        page.get_by_role("link", name="Enter the date in the month, like 15, or -1 for the last day")
    ).to_be_visible()
    assert_accessible(page)
    assert page.get_by_label("Once a month on a date, like the 15th").is_checked()
    assert page.get_by_label("Starts at").input_value() == "18:00"
    assert page.get_by_label("About these times").input_value() == "Parents' evening"
    page.get_by_label("Date in the month").fill("15")
    page.get_by_label("Ends at").fill("19:30")
    page.get_by_role("button", name="Save the times").click()
    page.get_by_text("The 15th of every month 18:00 to 19:30 has been added").wait_for()
    expect(page.get_by_text("The 15th of every month 18:00 to 19:30 (Parents' evening)")).to_be_visible()

    # The service saved unchanged: nothing changes, not a row of history.
    rows = _history_rows()
    page.visit(f"/directory/services/{listed_service.pk}/edit/")
    assert_accessible(page)
    page.get_by_role("button", name="Save the service").click()
    page.get_by_text(f"{listed_service.name} has been saved").wait_for()
    assert _history_rows() == rows
    assert listed_service.contacts.count() == 3 and listed_service.opening_times.count() == 2
    assert page.console_errors == []

    # The public page shows every contact and the times in plain English.
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=school_directory)
    public = BrowserPage(browser.new_page(base_url=live_server.url), live_server.url)
    public.visit(f"/directory/published/{school_directory.slug}/")
    expect(
        public.get_by_text("Priya Shah, Family worker: 01632 960 555, 07700 900 555, priya@example.org")
    ).to_be_visible()
    expect(public.get_by_text("Duty health visitor: 01632 960 303, hv@northfield.example.org")).to_be_visible()
    expect(public.get_by_text("The 15th of every month 18:00 to 19:30")).to_be_visible()
    assert_accessible(public)
    assert public.console_errors == []


def test_the_contact_and_times_forms_work_without_javascript(page_without_js, other_manager, listed_service, password):
    page = page_without_js
    page.sign_in(other_manager.email, password)
    page.visit(f"/directory/services/{listed_service.pk}/times/add/")
    page.get_by_label("Once a month on a day of the week, like the first Tuesday").check()
    page.get_by_label("Day of the week", exact=True).select_option(label="Friday")
    page.get_by_label("Which one in the month").select_option(label="Last")
    page.get_by_label("Starts at").fill("13:00")
    page.get_by_label("Ends at").fill("14:00")
    page.get_by_role("button", name="Save the times").click()
    page.get_by_text("Last Friday of the month 13:00 to 14:00 has been added").wait_for()
    contact = listed_service.contacts.first()
    page.visit(f"/directory/services/{listed_service.pk}/contacts/{contact.pk}/remove/")
    page.get_by_role("button", name="Remove it").click()
    page.get_by_text(f"{contact} has been removed").wait_for()
    assert not Contact.objects.filter(pk=contact.pk).exists()
