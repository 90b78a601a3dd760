"""A family with a team around the child, consent and a lead professional, for CAF tests."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from agencies.models import Membership
from children import services as child_services
from children.models import Consent

from ..factories import AgencyFactory, UserFactory, appoint_lead, member_of


@pytest.fixture
def team(db):
    """The Carter-like team: health visiting (lead), school (assessor), housing (excluded), an outsider."""
    hv = AgencyFactory(name="Health Visiting", kind="health_visiting")
    school = AgencyFactory(name="Primary School", kind="school")
    housing = AgencyFactory(name="Housing Options", kind="housing")
    faraway = AgencyFactory(name="Faraway Youth Club", kind="voluntary")
    people = {
        "lead": member_of(hv, full_name="Sarah Lead", email="lead@hv.example.org"),
        "hv_colleague": member_of(hv, full_name="Hana Colleague"),
        "hv_manager": member_of(hv, Membership.Role.MANAGER, full_name="Joanne Manager"),
        "assessor": member_of(school, full_name="Tom Assessor", email="assessor@school.example.org"),
        "school_colleague": member_of(school, full_name="Sam Schoolcolleague"),
        "housing": member_of(housing, full_name="Mark Housing"),
        "outsider": member_of(faraway, full_name="Olly Outsider"),
        "platform_admin": UserFactory(full_name="Ada Admin", is_staff=True, is_superuser=True),
    }
    child = child_services.child_create(
        actor=people["lead"],
        agency=hv,
        first_name="Wayne",
        last_name="Carter",
        date_of_birth=date(2021, 3, 14),
        sex="male",
    )
    child_services.involvement_add(actor=people["lead"], child=child, agency=school, role="School")
    child_services.involvement_add(actor=people["lead"], child=child, agency=housing, role="Housing")
    child_services.consent_record(
        actor=people["lead"],
        child=child,
        given_by=Consent.GivenBy.PARENT,
        given_by_name="Jess Carter",
        given_on=date.today() - timedelta(days=3),
        method="written",
        scope="additional",
        all_involved_agencies=True,
        agencies_excluded=[housing],
        purposes="CAF",
    )
    appoint_lead(child, people["lead"], date.today())
    police = AgencyFactory(name="Northfield Police", kind="police")
    people["emergency"] = member_of(police, full_name="PC Emma Urgent")
    people["emergency_expired"] = member_of(police, full_name="PC Ed Expired")
    child_services.emergency_access_grant(actor=people["emergency"], child=child, reason="Found alone at night")
    expired = child_services.emergency_access_grant(
        actor=people["emergency_expired"], child=child, reason="Earlier incident"
    )
    expired.expires_at = timezone.now() - timedelta(minutes=1)
    expired.save()
    return {"child": child, "hv": hv, "school": school, "housing": housing, **people}
