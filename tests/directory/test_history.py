"""Change history of an agency's information sheet and of a setting's directory: who changed what, and when."""

import pytest

from directory import services

pytestmark = pytest.mark.django_db


def test_the_information_sheet_history_shows_each_change_to_the_sheet_services_and_times(
    client_for, other_agency, other_manager, listed_service
):
    client = client_for(other_manager)
    services.service_update(actor=other_manager, service=listed_service, cost="£2 a session")
    client.post(f"/directory/agencies/{other_agency.pk}/times/", {"monday_opens": "09:00", "monday_closes": "17:00"})
    sheet = client.get(f"/directory/agencies/{other_agency.pk}/").content.decode()
    assert f"/directory/agencies/{other_agency.pk}/history/" in sheet

    page = client.get(f"/directory/agencies/{other_agency.pk}/history/").content.decode()
    assert "Change history of the information sheet" in page
    assert f"Service “{listed_service.name}”: changed" in page
    assert "Cost" in page and "Free" in page and "£2 a session" in page
    assert "Opening time of the agency (Monday 09:00 to 17:00): created" in page
    assert other_manager.full_name in page
    # Dates read as dates, not as a database's timestamps.
    services.agency_sheet_confirm(actor=other_manager, agency=other_agency)
    page = client.get(f"/directory/agencies/{other_agency.pk}/history/").content.decode()
    assert "Last confirmed as accurate" in page and "+00:00" not in page
    # Newest first: the opening time was added after the cost changed.
    assert page.index("Opening time of the agency") < page.index("£2 a session")


def test_a_deleted_services_history_stays_on_the_sheet(client_for, other_agency, other_manager, listed_service):
    name = listed_service.name
    listed_service.delete()
    page = client_for(other_manager).get(f"/directory/agencies/{other_agency.pk}/history/").content.decode()
    assert f"Service “{name}”: deleted" in page


def test_the_directory_history_shows_entries_groups_and_publications(
    client_for, school_directory, coordinator, listed_agency
):
    client = client_for(coordinator)
    entry = services.entry_add(actor=coordinator, directory=school_directory, target=listed_agency)
    services.directory_publish(actor=coordinator, directory=school_directory)
    services.entry_update(
        actor=coordinator, entry=entry, section=None, position=entry.position, note="Tuesdays, room 4"
    )
    draft = client.get(f"/directory/directories/{school_directory.pk}/").content.decode()
    assert f"/directory/directories/{school_directory.pk}/history/" in draft

    page = client.get(f"/directory/directories/{school_directory.pk}/history/").content.decode()
    assert f"Agency “{listed_agency.name}”: created" in page
    assert "Version 1: published" in page
    assert "Tuesdays, room 4" in page
    assert page.index("Tuesdays, room 4") < page.index("Version 1: published") < page.index(": created")


@pytest.mark.parametrize("persona", ["manager", "outsider"])
def test_people_who_may_not_edit_the_sheet_get_404_for_its_history(
    request, client_for, other_agency, listed_service, persona
):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/directory/agencies/{other_agency.pk}/history/").status_code == 404


@pytest.mark.parametrize("persona", ["manager", "colleague", "other_manager", "outsider"])
def test_only_the_settings_coordinator_may_read_the_directory_history(request, client_for, school_directory, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/directory/directories/{school_directory.pk}/history/").status_code == 404


def test_the_sheets_history_shows_changes_to_a_services_places(
    client_for, other_manager, listed_agency, listed_service
):
    from directory import services as directory_services

    link = listed_service.service_locations.get()
    directory_services.service_location_update(actor=other_manager, link=link, accessibility="Lift to every floor")
    body = client_for(other_manager).get(f"/directory/agencies/{listed_agency.pk}/history/").content.decode()
    assert "Place “Riverside Children&#x27;s Centre, Mill Lane, Northfield, NF4 2RP”" in body
    assert "Lift to every floor" in body


def test_the_sheets_history_shows_changes_to_a_services_contacts_and_times(
    client_for, other_manager, listed_agency, listed_service
):
    from datetime import time

    from directory.services import OpeningSession

    contact = listed_service.contacts.get(name="Sam Okafor")
    services.service_contact_update(actor=other_manager, contact=contact, title="Clinic manager")
    services.service_schedule_add(
        actor=other_manager, service=listed_service, session=OpeningSession(None, time(10), time(12), day_of_month=15)
    )
    body = client_for(other_manager).get(f"/directory/agencies/{listed_agency.pk}/history/").content.decode()
    assert f"Contact of “{listed_service.name}” (Sam Okafor): changed" in body
    assert "Clinic lead" in body and "Clinic manager" in body
    assert f"Opening time of “{listed_service.name}” (The 15th of every month 10:00 to 12:00): created" in body
