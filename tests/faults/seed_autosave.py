"""Run by tests/faults/test_database_restart.py in a subprocess against the test's own PostgreSQL cluster:
a child with a team, a draft CAF and five practitioners who may edit it, each signed in. Prints JSON."""

import json
import os
from datetime import date, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from caf import services as caf_services  # noqa: E402
from children import services as child_services  # noqa: E402
from children.models import Consent  # noqa: E402
from tests.factories import AgencyFactory, appoint_lead, member_of  # noqa: E402

hv = AgencyFactory(name="Health Visiting", kind="health_visiting")
school = AgencyFactory(name="Primary School", kind="school")
people = [
    member_of(hv, full_name="Sarah Lead", email="lead@hv.example.org"),
    member_of(school, full_name="Hana Teacher", email="hana@school.example.org"),
    member_of(school, full_name="Tom Assessor", email="tom@school.example.org"),
    member_of(school, full_name="Sam Teacher", email="sam@school.example.org"),
    member_of(school, full_name="Priya Senco", email="priya@school.example.org"),
]
lead = people[0]
child = child_services.child_create(
    actor=lead, agency=hv, first_name="Wayne", last_name="Carter", date_of_birth=date(2021, 3, 14), sex="male"
)
child_services.involvement_add(actor=lead, child=child, agency=school, role="School")
child_services.consent_record(
    actor=lead,
    child=child,
    given_by=Consent.GivenBy.PARENT,
    given_by_name="Jess Carter",
    given_on=date.today() - timedelta(days=3),
    method="written",
    scope="additional",
    all_involved_agencies=True,
    purposes="CAF",
)
appoint_lead(child, lead, date.today())
caf = caf_services.caf_start(actor=people[2], child=child)
sessions = []
for person in people:
    client = Client()
    client.force_login(person)
    sessions.append(client.cookies["sessionid"].value)
print(json.dumps({"caf": caf.pk, "sessions": sessions}))
