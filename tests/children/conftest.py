"""The team around one child, built through the services, with a persona for every kind of reader.

Keziah Carter is recorded by the health visiting team, whose health visitor is her lead professional;
a school the family's consent covers and a housing team the consent keeps from additional information
are in her team; outside it are an unrelated agency, a platform administrator and two doctors who
broke glass, one of whose emergency access has run out.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency, Membership
from children import services
from children.models import EmergencyAccess

from ..factories import AgencyFactory, member_of
from .form_data import consent_fields

CHILD_FIRST_NAME = "Keziah"
CHILD_LAST_NAME = "Carter"
CHILD_DATE_OF_BIRTH = date(2021, 3, 27)
CHILD_POSTCODE = "NF1 3AB"


@pytest.fixture
def health_visiting(db):
    return AgencyFactory(name="Northfield Health Visiting Team", kind=Agency.Kind.HEALTH_VISITING)


@pytest.fixture
def school(db):
    return AgencyFactory(name="Riverside Primary School", kind=Agency.Kind.SCHOOL)


@pytest.fixture
def housing(db):
    return AgencyFactory(name="Northfield Housing Services", kind=Agency.Kind.HOUSING)


@pytest.fixture
def emergency_department(db):
    """An agency outside the team whose practitioners may need to break glass."""
    return AgencyFactory(name="Northfield Hospital Emergency Department", kind=Agency.Kind.OTHER)


@pytest.fixture
def lead_professional(health_visiting):
    """The health visitor who opened the record and leads for the family."""
    return member_of(
        health_visiting, full_name="Hannah Lead", job_title="Health visitor", email="hannah.lead@hv.example.org"
    )


@pytest.fixture
def hv_colleague(health_visiting):
    """Another health visitor in the same team: no named role with the child."""
    return member_of(health_visiting, full_name="Colin Colleague", email="colin@hv.example.org")


@pytest.fixture
def hv_manager(health_visiting):
    """The health visiting team's manager."""
    return member_of(
        health_visiting, Membership.Role.MANAGER, full_name="Maria Manager", email="maria.manager@hv.example.org"
    )


@pytest.fixture
def teacher(school):
    """A practitioner of the school, an agency the family's consent covers."""
    return member_of(school, full_name="Sam Teacher", job_title="Class teacher", email="sam@school.example.org")


@pytest.fixture
def school_manager(school):
    return member_of(school, Membership.Role.MANAGER, full_name="Harriet Head", email="head@school.example.org")


@pytest.fixture
def housing_officer(housing):
    """A practitioner of housing, which the consent keeps from additional information."""
    return member_of(housing, full_name="Harry Housing", job_title="Housing officer", email="harry@housing.example.org")


@pytest.fixture
def emergency_practitioner(emergency_department):
    """A doctor outside the team who has emergency access now."""
    return member_of(emergency_department, full_name="Emeka Emergency", email="emeka@ed.example.org")


@pytest.fixture
def expired_emergency_practitioner(emergency_department):
    """A doctor outside the team whose emergency access has run out."""
    return member_of(emergency_department, full_name="Esme Expired", email="esme@ed.example.org")


@pytest.fixture
def platform_admin_in_uninvolved_agency(unrelated_agency):
    """A platform administrator who is also a practitioner of an agency outside the team."""
    user = member_of(unrelated_agency, full_name="Adam Admin", email="adam.admin@faraway.example.org")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def child(health_visiting, school, housing, lead_professional, hv_colleague, hv_manager, teacher, housing_officer):
    """Keziah Carter and the team around her, with the family's consent (housing excluded from additional)."""
    keziah = services.child_create(
        actor=lead_professional,
        first_name=CHILD_FIRST_NAME,
        last_name=CHILD_LAST_NAME,
        sex="female",
        date_of_birth=CHILD_DATE_OF_BIRTH,
        address="14 Mill Lane\nNorthfield",
        postcode=CHILD_POSTCODE,
        religion="Church of England",
        first_language="English",
        special_requirements="Needs a quiet space to settle",
    )
    services.involvement_add(
        actor=lead_professional, child=keziah, agency=school, role="Class teacher", practitioner=teacher
    )
    services.involvement_add(actor=lead_professional, child=keziah, agency=housing, role="Housing officer")
    services.consent_record(actor=lead_professional, child=keziah, agencies_excluded=[housing], **consent_fields())
    # With no lead yet, a manager of an involved agency records the family's choice.
    services.lead_professional_set(
        actor=hv_manager,
        child=keziah,
        practitioner=lead_professional,
        family_agreed=True,
        agreed_on=timezone.localdate() - timedelta(days=7),
    )
    keziah.refresh_from_db()
    return keziah


@pytest.fixture
def emergency_access(child, emergency_practitioner):
    return services.emergency_access_grant(
        actor=emergency_practitioner, child=child, reason="Brought into A&E unconscious; need the GP and allergies"
    )


@pytest.fixture
def expired_emergency_access(child, expired_emergency_practitioner):
    grant = services.emergency_access_grant(
        actor=expired_emergency_practitioner, child=child, reason="Seen in A&E last month after a fall"
    )
    # EmergencyAccess keeps no history, so moving the expiry back directly is faithful to the real thing.
    EmergencyAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    grant.refresh_from_db()
    return grant
