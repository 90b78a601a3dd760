"""Migration directory.0003 moves each service's own place into its first Location, keeping the feed's
identifiers and the place's history (every change recorded on the service, with its date and person)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from directory.models import Location, ServiceLocation

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("directory", "0002_seed_taxonomies")]
FEED_NAMESPACE = uuid.UUID("0e7c3a52-9d7f-4c61-8f3e-5b1d2a4c6e80")


def test_a_services_place_and_its_history_become_its_first_location(listed_agency, other_manager):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Service = old.get_model("directory", "Service")
    HistoricalService = old.get_model("directory", "HistoricalService")
    Agency = old.get_model("agencies", "Agency")
    Agency.objects.filter(pk=listed_agency.pk).update(address="Station Road\nNorthfield")
    service = Service.objects.create(
        agency_id=listed_agency.pk,
        name="Baby clinic",
        location="Room 4",
        postcode="NF4 2RP",
        accessibility="Step-free",
    )
    bare = Service.objects.create(agency_id=listed_agency.pk, name="Phone line")
    then = timezone.now() - timedelta(days=30)
    for days, (where, postcode), who in [
        (0, ("Room 1", "NF4 2RP"), other_manager.pk),
        (5, ("Room 1", "NF4 2RP"), None),  # a change to something else: the place did not change
        (10, ("Room 4", "NF4 2RP"), other_manager.pk),
    ]:
        HistoricalService.objects.create(
            id=service.pk,
            uuid=service.uuid,
            agency_id=listed_agency.pk,
            name="Baby clinic",
            location=where,
            postcode=postcode,
            accessibility="Step-free",
            status="active",
            updated_at=then,
            history_date=then + timedelta(days=days),
            history_user_id=who,
            history_type="+" if not days else "~",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    link = ServiceLocation.objects.select_related("location").get(service_id=service.pk)
    place = link.location
    assert (place.name, place.postcode, place.accessibility, place.city) == (
        "Room 4",
        "NF4 2RP",
        "Step-free",
        "Northfield",
    )
    # The ids the feed already gave the place, so harvesters and re-imports keep meeting on them.
    assert place.uuid == uuid.uuid5(FEED_NAMESPACE, f"{service.uuid}:location")
    assert link.uuid == uuid.uuid5(FEED_NAMESPACE, f"{service.uuid}:service_at_location")
    history = list(Location.history.filter(id=place.pk).order_by("history_date"))
    assert [(h.name, h.history_type, h.history_user_id) for h in history] == [
        ("Room 1", "+", other_manager.pk),
        ("Room 4", "~", other_manager.pk),
    ]
    assert history[0].history_date == then and history[1].history_date == then + timedelta(days=10)
    assert not ServiceLocation.objects.filter(service_id=bare.pk).exists()
