"""The shared personas (tests/personas.py): each is built once per test, and all of them can meet in one."""

from agencies.models import Agency, Membership, User
from children.models import Involvement

from .personas import AGENCIES, PERSONAS


def test_asking_for_a_persona_twice_gives_the_same_person(personas):
    assert personas("lead_professional") == personas("lead_professional")
    assert User.objects.filter(full_name="Hannah Lead").count() == 1


def test_every_persona_and_agency_can_be_in_one_test(personas):
    people = {key: personas(key) for key in PERSONAS}
    agencies = {key: personas.agency(key) for key in AGENCIES}

    assert User.objects.count() == len(people)
    assert Agency.objects.count() == len(agencies)
    for key, (agency_key, role, _fields) in PERSONAS.items():
        if agency_key:
            assert Membership.objects.filter(user=people[key], agency=agencies[agency_key], role=role).exists()


def test_the_fixtures_of_different_folders_name_the_same_people(personas, agency, manager):
    assert personas.agency("school") == agency
    assert personas("manager") == manager


def test_the_family_has_its_team_consent_and_lead(personas):
    keziah = personas.family()

    agencies = set(Involvement.objects.current().filter(child=keziah).values_list("agency__name", flat=True))
    assert agencies == {"Northfield Health Visiting Team", "Riverside Primary School", "Northfield Housing Services"}
    consent = keziah.consents.get()
    assert list(consent.agencies_excluded.all()) == [personas.agency("housing")]
    assert keziah.lead_professionals.get().practitioner == personas("lead_professional")
