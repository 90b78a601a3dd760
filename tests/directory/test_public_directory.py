"""The published directory is public, filterable, holds no child data and keeps constant queries."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory import services
from directory.services import OpeningSession
from tests.factories import AgencyFactory

from .conftest import term

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(school_directory, coordinator, listed_agency, listed_service):
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_agency, note="In school Tuesdays")
    services.entry_add(actor=coordinator, directory=school_directory, target=listed_service)
    services.directory_publish(actor=coordinator, directory=school_directory)
    return school_directory


def test_the_public_page_needs_no_sign_in_and_is_not_marked_no_store(client, published):
    response = client.get(f"/directory/published/{published.slug}/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    content = response.content.decode()
    assert "Baby weigh clinic" in content and "In school Tuesdays" in content


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("type=group", ["Baby weigh clinic"], ["Health visitors for families"]),
        ("outcome=be_healthy", ["Baby weigh clinic"], []),
        ("age=1", ["Baby weigh clinic"], []),
        ("age=9", [], ["Baby weigh clinic"]),
        ("day=2", ["Baby weigh clinic"], []),
        ("day=5", [], ["Baby weigh clinic"]),
        ("search=weigh", ["Baby weigh clinic"], ["Health visitors for families"]),
    ],
)
def test_the_public_filters_narrow_the_entries(client, published, query, shown, hidden):
    content = client.get(f"/directory/published/{published.slug}/?{query}").content.decode()
    results = content.split('id="results"')[1]
    for text in shown:
        assert text in results
    for text in hidden:
        assert text not in results


def test_a_bad_age_filter_gives_a_field_error(client, published):
    content = client.get(f"/directory/published/{published.slug}/?age=old").content.decode()
    assert "Enter an age as a whole number of years" in content and "There is a problem" in content


def test_earlier_versions_stay_viewable(client, published, coordinator, listed_service, other_manager):
    services.service_update(actor=other_manager, service=listed_service, name="Baby clinic")
    services.directory_publish(actor=coordinator, directory=published)
    assert "Baby clinic" in client.get(f"/directory/published/{published.slug}/").content.decode()
    old = client.get(f"/directory/published/{published.slug}/versions/1/").content.decode()
    assert "Baby weigh clinic" in old and "It is not the current directory" in old


def test_the_published_snapshot_holds_only_directory_fields(published):
    allowed = {
        "kind",
        "name",
        "agency",
        "description",
        "types",
        "type_names",
        "outcomes",
        "outcome_names",
        "minimum_age",
        "maximum_age",
        "days",
        "confirmed_at",
        "details",
        "key",
        "note",
        # Where to find it (postcodes and their centroids, never a family's): for the postcode search.
        "places",
    }
    content = published.versions.get().content
    assert set(content) == {"title", "introduction", "setting", "sections"}
    for section in content["sections"]:
        for entry in section["entries"]:
            assert set(entry) <= allowed


def test_the_public_page_keeps_a_constant_number_of_queries(client, published, coordinator, other_manager):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/directory/published/{published.slug}/").status_code == 200
        return len(queries)

    before = count()
    for n in range(30):
        agency = AgencyFactory(name=f"Extra agency {n}")
        services.agency_sheet_update(actor=None, agency=agency, agency_fields={}, sheet_fields={"is_listed": True})
        service = services.service_create(
            actor=None,
            agency=agency,
            name=f"Service {n}",
            types=[term("advice")],
            sessions=[OpeningSession(1, time(9), time(10))],
        )
        services.entry_add(actor=coordinator, directory=published, target=service)
    services.directory_publish(actor=coordinator, directory=published)
    assert count() == before


def test_a_published_versions_content_is_read_once_and_a_new_version_is_read_afresh(
    client, published, coordinator, listed_service, other_manager
):
    def content_reads():
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"/directory/published/{published.slug}/").content.decode()
        return body, sum('"content"' in q["sql"] for q in queries)

    body, reads = content_reads()
    assert reads == 1 and "Free" in body
    assert content_reads()[1] == 0  # decoded once per process: a published version never changes

    services.service_update(actor=other_manager, service=listed_service, cost="£2 a session")
    services.directory_publish(actor=coordinator, directory=published)
    body, reads = content_reads()
    assert reads == 1 and "£2 a session" in body
    earlier = client.get(f"/directory/published/{published.slug}/versions/1/").content.decode()
    assert "Free" in earlier and "£2 a session" not in earlier


def test_the_public_directory_finds_what_is_within_a_distance_of_a_postcode_nearest_first(
    client, published, coordinator, listed_agency, other_manager
):
    far = services.service_create(actor=other_manager, agency=listed_agency, name="Far away group")
    services.service_location_add(
        actor=other_manager,
        service=far,
        kind="physical",
        name="The Willows",
        address_1="Hospital Road",
        city="Northfield",
        state_province="Northfieldshire",
        postcode="NF3 7WH",
    )
    online = services.service_create(actor=other_manager, agency=listed_agency, name="Online chat")
    services.service_location_add(actor=other_manager, service=online, kind="online")
    for target in (far, online):
        services.entry_add(actor=coordinator, directory=published, target=target)
    services.directory_publish(actor=coordinator, directory=published)

    body = client.get(f"/directory/published/{published.slug}/?postcode=nf46kh&miles=5").content.decode()
    assert "Baby weigh clinic" in body and "0.4 miles away" in body
    assert "Far away group" not in body and "Online chat" not in body
    body = client.get(f"/directory/published/{published.slug}/?postcode=NF4+6KH&miles=10").content.decode()
    assert body.index("Baby weigh clinic") < body.index("Far away group")


def test_a_postcode_the_directory_does_not_know_is_an_error_not_an_empty_answer(client, published):
    body = client.get(f"/directory/published/{published.slug}/?postcode=NF8+1AA&miles=5").content.decode()
    assert "govuk-error-summary" in body and "We do not know where NF8 1AA is" in body
    body = client.get(f"/directory/published/{published.slug}/?miles=5").content.decode()
    assert "Enter a postcode to search within a distance of it" in body
