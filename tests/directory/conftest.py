"""Directory personas on top of the shared ones (tests/personas.py): a listed agency with a service, the
school's directory."""

from datetime import time

import pytest

from directory import services
from directory.models import TaxonomyTerm
from directory.services import OpeningSession


def term(code):
    return TaxonomyTerm.objects.get(code=code)


@pytest.fixture
def listed_agency(other_agency, other_manager):
    """The other agency (health visiting), with its sheet filled in and listed, and one service."""
    services.agency_sheet_update(
        actor=other_manager,
        agency=other_agency,
        agency_fields={},
        sheet_fields={"is_listed": True, "profile": "Health visitors for families", "expected_response_days": 5},
        services_offered=[term("one_to_one")],
    )
    services.agency_opening_times_set(
        actor=other_manager, agency=other_agency, sessions=[OpeningSession(2, time(9), time(17))]
    )
    return other_agency


def load_demo_postcodes():
    from directory.postcodes import DEMO_POSTCODES, load_postcodes

    load_postcodes(DEMO_POSTCODES)


@pytest.fixture
def postcodes(db):
    """The demo area's fictional postcodes (directory/fixtures/demo_postcodes.csv)."""
    load_demo_postcodes()


@pytest.fixture
def listed_service(listed_agency, other_manager):
    # Other test folders import this fixture alone, so it loads the postcodes itself.
    load_demo_postcodes()
    service = services.service_create(
        actor=other_manager,
        agency=listed_agency,
        name="Baby weigh clinic",
        description="Drop-in weighing and feeding advice",
        types=[term("group")],
        outcomes=[term("be_healthy")],
        minimum_age=0,
        maximum_age=2,
        sessions=[OpeningSession(2, time(9, 30), time(11, 30))],
        languages="English, Polish",
        contact_email="hv@northfield.example.org",
        contacts=[
            {"name": "Duty health visitor", "phones": "01632 960 303", "email": "hv@northfield.example.org"},
            {"name": "Sam Okafor", "title": "Clinic lead", "phones": "01632 960 404\n07700 900 123"},
        ],
        cost="Free",
    )
    services.service_location_add(
        actor=other_manager,
        service=service,
        kind="physical",
        name="Riverside Children's Centre",
        address_1="Mill Lane",
        city="Northfield",
        state_province="Northfieldshire",
        postcode="NF4 2RP",
        accessibility="Step-free access",
    )
    return service


@pytest.fixture
def school_directory(agency, coordinator):
    return services.directory_create(actor=coordinator, setting=agency)
