"""The team around one child, built through the services, with a persona for every kind of reader.

The personas and the family come from tests/personas.py; these fixtures are aliases over them.

Keziah Carter is recorded by the health visiting team, whose health visitor is her lead professional;
a school the family's consent covers and a housing team the consent keeps from additional information
are in her team; outside it are an unrelated agency, a platform administrator and two doctors who
broke glass, one of whose emergency access has run out.
"""

import pytest

from ..personas import KEZIAH
from ..personas import emergency_access as personas_emergency_access

CHILD_FIRST_NAME = KEZIAH["first_name"]
CHILD_LAST_NAME = KEZIAH["last_name"]
CHILD_DATE_OF_BIRTH = KEZIAH["date_of_birth"]
CHILD_POSTCODE = KEZIAH["postcode"]


@pytest.fixture
def health_visiting(personas):
    return personas.agency("health_visiting")


@pytest.fixture
def school(personas):
    return personas.agency("school")


@pytest.fixture
def housing(personas):
    return personas.agency("housing")


@pytest.fixture
def emergency_department(personas):
    """An agency outside the team whose practitioners may need to break glass."""
    return personas.agency("emergency_department")


@pytest.fixture
def lead_professional(health_visiting, personas):
    """The health visitor who opened the record and leads for the family."""
    return personas("lead_professional")


@pytest.fixture
def hv_colleague(health_visiting, personas):
    """Another health visitor in the same team: no named role with the child."""
    return personas("hv_colleague")


@pytest.fixture
def hv_manager(health_visiting, personas):
    """The health visiting team's manager."""
    return personas("hv_manager")


@pytest.fixture
def teacher(school, personas):
    """A practitioner of the school, an agency the family's consent covers."""
    return personas("teacher")


@pytest.fixture
def school_manager(school, personas):
    return personas("school_manager")


@pytest.fixture
def housing_officer(housing, personas):
    """A practitioner of housing, which the consent keeps from additional information."""
    return personas("housing_officer")


@pytest.fixture
def emergency_practitioner(emergency_department, personas):
    """A doctor outside the team who has emergency access now."""
    return personas("emergency_practitioner")


@pytest.fixture
def expired_emergency_practitioner(emergency_department, personas):
    """A doctor outside the team whose emergency access has run out."""
    return personas("expired_emergency_practitioner")


@pytest.fixture
def platform_admin_in_uninvolved_agency(unrelated_agency, personas):
    """A platform administrator who is also a practitioner of an agency outside the team."""
    return personas("platform_admin_in_uninvolved_agency")


@pytest.fixture
def child(
    personas, health_visiting, school, housing, lead_professional, hv_colleague, hv_manager, teacher, housing_officer
):
    """Keziah Carter and the team around her, with the family's consent (housing excluded from additional)."""
    return personas.family()  # the shared builder's defaults are Keziah's


@pytest.fixture
def emergency_access(child, emergency_practitioner):
    return personas_emergency_access(
        child, emergency_practitioner, "Brought into A&E unconscious; need the GP and allergies"
    )


@pytest.fixture
def expired_emergency_access(child, expired_emergency_practitioner):
    return personas_emergency_access(
        child, expired_emergency_practitioner, "Seen in A&E last month after a fall", expired=True
    )
