"""A setting's co-ordinator builds the draft and publishes numbered, immutable versions."""

import pytest
from django.core.exceptions import ValidationError

from directory import services
from directory.models import DirectoryEntry, DirectoryVersion

pytestmark = pytest.mark.django_db


def test_the_coordinator_starts_a_directory_adds_an_agency_and_publishes(
    client_for, agency, coordinator, listed_agency
):
    client = client_for(coordinator)
    response = client.post(f"/directory/settings/{agency.pk}/start/", {"title": "Riverside directory"})
    directory = agency.directory
    assert response.status_code == 302
    response = client.post(
        f"/directory/directories/{directory.pk}/add/agency/", {"target": listed_agency.pk, "note": "Tuesdays, room 4"}
    )
    assert response.status_code == 302
    assert client.post(f"/directory/directories/{directory.pk}/publish/").status_code == 302
    version = directory.versions.get()
    assert version.number == 1 and version.published_by == coordinator
    entry = version.content["sections"][0]["entries"][0]
    assert entry["name"] == listed_agency.name and entry["note"] == "Tuesdays, room 4"


def test_the_draft_shows_what_changed_in_the_entries_since_publication(
    client_for, school_directory, coordinator, listed_agency, listed_service, other_manager
):
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=school_directory)
    services.service_update(actor=other_manager, service=listed_service, cost="£2 a session")
    response = client_for(coordinator).get(f"/directory/directories/{school_directory.pk}/")
    assert "Baby weigh clinic: cost changed" in response.content.decode()
    second = services.directory_publish(actor=coordinator, directory=school_directory)
    assert second.number == 2 and "cost changed" in second.change_summary
    first = school_directory.versions.get(number=1)
    details = dict(map(tuple, first.content["sections"][0]["entries"][0]["details"]))
    assert details["Cost"] == "Free"


def test_a_published_version_cannot_be_changed_or_deleted(school_directory, coordinator, listed_agency):
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_agency)
    version = services.directory_publish(actor=coordinator, directory=school_directory)
    version.content = {}
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    assert DirectoryVersion.objects.get().content["sections"]


def test_an_empty_draft_cannot_be_published(client_for, school_directory, coordinator):
    response = client_for(coordinator).post(f"/directory/directories/{school_directory.pk}/publish/")
    assert "Add at least one entry" in response.content.decode()


def test_unlisted_agencies_cannot_be_added(school_directory, coordinator, other_agency):
    with pytest.raises(ValidationError):
        services.entry_add(actor=coordinator, directory=school_directory, target=other_agency)


@pytest.mark.parametrize("persona", ["manager", "colleague", "other_manager", "outsider"])
def test_only_the_settings_coordinator_may_open_the_draft(
    request, client_for, school_directory, persona, listed_agency
):
    person = request.getfixturevalue(persona)
    client = client_for(person)
    assert client.get(f"/directory/directories/{school_directory.pk}/").status_code == 404
    assert client.post(f"/directory/directories/{school_directory.pk}/publish/").status_code == 404
    assert (
        client.post(
            f"/directory/directories/{school_directory.pk}/add/agency/", {"target": listed_agency.pk}
        ).status_code
        == 404
    )
    assert not DirectoryEntry.objects.exists()


def test_a_coordinator_of_a_setting_that_is_not_a_school_or_centre_coordinates_nothing(client_for, other_agency):
    from agencies.models import Membership
    from tests.factories import member_of

    person = member_of(other_agency, Membership.Role.COORDINATOR)
    assert client_for(person).get(f"/directory/settings/{other_agency.pk}/start/").status_code == 404
