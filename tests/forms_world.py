"""The rich world every form page is opened on: the Carter demo, with every optional field filled in and
several values in every multi-choice field (tests/test_every_form_unchanged.py, test_time_out_keeps_every_form.py).
"""

from datetime import date, time

import pytest

from agencies.models import Agency, User
from caf import services as caf_services
from caf.models import Assessment, Element
from caf.sections import SECTIONS, element_key
from children import services as child_services
from children.models import Child, FamilyMember
from directory import services as directory_services
from directory.models import (
    AgencyProfile,
    Contact,
    DirectoryEntry,
    Location,
    OpeningTime,
    PractitionerProfile,
    Service,
    ServiceLocation,
    TaxonomyTerm,
)
from directory.services import OpeningSession


def _user(email):
    return User.objects.get(email=email)


TEACHER = "reception.teacher@riverside-primary.example.org"
HEAD = "head@riverside-primary.example.org"
SENCO = "senco@riverside-primary.example.org"
HEALTH_VISITOR = "health.visitor@northfield-health.example.org"
HOUSING_MANAGER = "housing.manager@northfield-council.example.org"


@pytest.fixture
def world(db):
    from django.core.management import call_command

    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    wayne = Child.objects.get(first_name="Wayne", last_name="Carter")
    teacher, hv = _user(TEACHER), _user(HEALTH_VISITOR)
    agencies = {a.name: a for a in Agency.objects.all()}
    school = agencies["Riverside Primary School"]
    terms = TaxonomyTerm.objects.all()
    by_taxonomy = {}
    for t in terms:
        by_taxonomy.setdefault(t.taxonomy.code, []).append(t)

    # Every optional field of the child filled in.
    child_services.child_update(
        actor=hv,
        child=wayne,
        other_names="Wayne Junior",
        phone="01632 960 999",
        religion="None",
        first_language="English",
        parents_first_language="English",
        special_requirements="Needs a quiet space to settle",
        has_disability="yes",
        disability_details="Hearing aid in the left ear",
        school=school,
    )
    member = FamilyMember.objects.filter(child=wayne).first()
    for name in ("phone", "email", "address", "notes"):
        if hasattr(member, name) and not getattr(member, name):
            setattr(member, name, {"email": "jess@example.org"}.get(name, "14 Mill Lane"))
    child_services.family_member_save(actor=hv, member=member)

    # A CAF version open for editing, with text in every box of every section and element.
    caf = Assessment.objects.get(child=wayne, is_current=True)
    caf = caf_services.caf_revise(actor=teacher, assessment=caf)
    for section in SECTIONS:
        if not section.fields:
            continue
        entry = caf.entries.filter(key=section.key).first()
        data = {**(entry.data if entry else {})}
        for spec in section.fields:
            data[spec.name] = data.get(spec.name) or f"What the family told us about {spec.label.lower()}"
        caf_services.section_save(
            actor=teacher, assessment=caf, key=section.key, data=data, base_revision=entry.revision if entry else 0
        )
    for element in Element.objects.all():
        key = element_key(element.code)
        entry = caf.entries.filter(key=key).first()
        data = {"strengths": "Strengths seen at school", "needs": "Needs seen at school"}
        caf_services.section_save(
            actor=teacher,
            assessment=caf,
            key=key,
            data=data,
            base_revision=entry.revision if entry else 0,
            element=element,
        )

    # Several values in every multi-choice field of the directory.
    for profile in (school.directory_profile, agencies["Northfield Housing Options"].directory_profile):
        offered = by_taxonomy["service_types"][:3]
        directory_services.agency_sheet_update(
            actor=_user(HEAD),
            agency=profile.agency,
            agency_fields={},
            sheet_fields={},
            services_offered=offered,
        )
    # Every optional field of the directory filled in. Written directly: the world is the starting point,
    # and how it came to be does not matter to a test of what a save changes.
    every_day = [OpeningSession(day, time(9), time(17)) for day in range(1, 8)]
    directory_services.agency_opening_times_set(
        actor=_user(HEAD), agency=school, sessions=every_day, exceptions="Closed on bank holidays"
    )
    User.objects.update(phone="01632 960 777", role_outline="Works with families", availability="Mornings")
    PractitionerProfile.objects.update(contact_email="listed@example.org", available_days=[1, 3, 5])
    AgencyProfile.objects.update(
        fax="01632 960 888", services_offered_other="Home visits", other_information="Parking at the back"
    )
    Service.objects.update(
        eligibility="Families in Northfield",
        alert="Closed on 24 December",
        accreditations="Quality mark",
        funding="The county council",
        service_areas="Northfield",
        schedule_notes="Term time only",
        url="https://services.example.org/one",
        minimum_age=0,
        maximum_age=18,
    )
    # Two contacts on every service, one with two telephone numbers.
    Contact.objects.all().delete()
    Contact.objects.bulk_create(
        Contact(service=s, name=name, title="Duty worker", email="duty@example.org", phones=phones, position=n)
        for s in Service.objects.all()
        for n, (name, phones) in enumerate((("Sam Okafor", "01632 960 111\n07700 900 111"), ("Jo Hart", "")), 1)
    )
    DirectoryEntry.objects.update(note="Ask at the office")
    # Every place an address with every part, its own coordinates and a session at it on every day.
    Location.objects.update(
        kind="physical",
        name="Riverside Children's Centre",
        address_1="Mill Lane",
        city="Northfield",
        state_province="Northfieldshire",
        postcode="NF4 2RP",
        latitude=52.905,
        longitude=-0.595,
        coordinates_from_postcode=False,
        accessibility="Step-free access",
        description="The children's centre beside the school",
    )
    for service in Service.objects.all():
        service.types.add(*by_taxonomy["service_types"][:2])
        service.outcomes.add(*by_taxonomy["ecm_outcomes"][:2])
        directory_services.service_location_add(
            actor=None,
            service=service,
            kind="physical",
            name="Riverside Children's Centre",
            address_1="Mill Lane",
            city="Northfield",
            state_province="Northfieldshire",
            postcode="NF4 2RP",
            latitude=52.905,
            longitude=-0.595,
            accessibility="Step-free access",
            description="The children's centre beside the school",
            sessions=[OpeningSession(3, time(13), time(15))],
        )
    OpeningTime.objects.filter(service__isnull=False).delete()
    OpeningTime.objects.bulk_create(
        [
            OpeningTime(service=s, day=d, opens_at=time(9), closes_at=time(17))
            for s in Service.objects.all()
            for d in range(1, 8)
        ]
        + [
            OpeningTime(service_id=link.service_id, service_location=link, day=d, opens_at=time(13), closes_at=time(15))
            for link in ServiceLocation.objects.all()
            for d in range(1, 8)
        ]
        # Sessions beyond one a week on a day: a second one on Monday, monthly on a date and on the first
        # Tuesday, fortnightly between two dates. The one-a-day fields must leave them as they are.
        + [
            row
            for s in Service.objects.all()
            for row in (
                OpeningTime(service=s, day=1, opens_at=time(18), closes_at=time(19)),
                OpeningTime(
                    service=s,
                    day_of_month=15,
                    valid_from=date(2027, 1, 1),
                    valid_to=date(2027, 12, 31),
                    opens_at=time(10),
                    closes_at=time(12),
                    description="Coffee morning",
                ),
                OpeningTime(service=s, day=2, week_of_month=1, opens_at=time(18), closes_at=time(20)),
                OpeningTime(
                    service=s,
                    day=4,
                    interval=2,
                    starts_on=date(2027, 1, 7),
                    valid_from=date(2027, 1, 1),
                    valid_to=date(2027, 7, 31),
                    opens_at=time(13),
                    closes_at=time(14),
                    description="Not in the school holidays",
                ),
            )
        ]
    )
    return {"wayne": wayne, "caf": caf, "school": school, "agencies": agencies}
