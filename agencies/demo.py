"""The demo agencies of DOMAIN.md's Carter family case and a practitioner for each role (run with the other
apps' demo data by `config.demo`, `manage.py load_demo_data`).

Idempotent: running it again changes nothing that is already there (and never resets a password
someone has changed).
"""

from django.db import transaction

from . import services
from .models import Agency, Membership, User

DEMO_PASSWORD = "carter-family-demo"

Kind = Agency.Kind
Sector = Agency.Sector
Role = Membership.Role

AGENCIES = [
    {
        "name": "Riverside Primary School",
        "kind": Kind.SCHOOL,
        "sector": Sector.STATUTORY,
        "address": "Mill Lane\nNorthfield",
        "postcode": "NF4 2RP",
        "phone": "01632 960 101",
        "email": "office@riverside-primary.example.org",
        "website": "https://riverside-primary.example.org",
    },
    {
        "name": "Northfield Medical Practice",
        "kind": Kind.GP_PRACTICE,
        "sector": Sector.STATUTORY,
        "address": "12 High Street\nNorthfield",
        "postcode": "NF4 1AB",
        "phone": "01632 960 202",
        "email": "reception@northfield-medical.example.org",
    },
    {
        "name": "Northfield Health Visiting Team",
        "kind": Kind.HEALTH_VISITING,
        "sector": Sector.STATUTORY,
        "address": "Northfield Health Centre, Station Road\nNorthfield",
        "postcode": "NF4 3HC",
        "phone": "01632 960 303",
        "email": "health.visiting@northfield-health.example.org",
    },
    {
        "name": "Northfield Children's Social Care",
        "kind": Kind.SOCIAL_CARE,
        "sector": Sector.STATUTORY,
        "address": "County Hall, Market Square\nNorthfield",
        "postcode": "NF1 1CH",
        "phone": "01632 960 404",
        "email": "front.door@northfield-council.example.org",
    },
    {
        "name": "Pathways Drug and Alcohol Service",
        "kind": Kind.DRUG_ALCOHOL,
        "sector": Sector.VOLUNTARY,
        "address": "3 Canal Walk\nNorthfield",
        "postcode": "NF2 5CW",
        "phone": "01632 960 505",
        "email": "hello@pathways-recovery.example.org",
    },
    {
        "name": "Northfield Housing Options",
        "kind": Kind.HOUSING,
        "sector": Sector.STATUTORY,
        "address": "Civic Centre, Church Street\nNorthfield",
        "postcode": "NF1 2CC",
        "phone": "01632 960 606",
        "email": "housing.options@northfield-council.example.org",
    },
    {
        "name": "Northfield CAMHS",
        "kind": Kind.CAMHS,
        "sector": Sector.STATUTORY,
        "address": "The Willows, Hospital Road\nNorthfield",
        "postcode": "NF3 7WH",
        "phone": "01632 960 707",
        "email": "camhs.referrals@northfield-health.example.org",
    },
    {
        "name": "Brightways Family Support",
        "kind": Kind.VOLUNTARY,
        "sector": Sector.VOLUNTARY,
        "address": "Brightways House, 40 Park Road\nNorthfield",
        "postcode": "NF2 8PR",
        "phone": "01632 960 808",
        "email": "families@brightways.example.org",
        "website": "https://brightways.example.org",
    },
]

# (email, full name, job title, agency, role)
PEOPLE = [
    ("head@riverside-primary.example.org", "Helen Okafor", "Headteacher", "Riverside Primary School", Role.MANAGER),
    (
        "reception.teacher@riverside-primary.example.org",
        "Tom Barker",
        "Reception class teacher",
        "Riverside Primary School",
        Role.PRACTITIONER,
    ),
    (
        "senco@riverside-primary.example.org",
        "Priya Shah",
        "SENCO and extended services co-ordinator",
        "Riverside Primary School",
        Role.COORDINATOR,
    ),
    (
        "practice.manager@northfield-medical.example.org",
        "Gareth Lewis",
        "Practice manager",
        "Northfield Medical Practice",
        Role.MANAGER,
    ),
    (
        "gp@northfield-medical.example.org",
        "Dr Amara Mensah",
        "General practitioner",
        "Northfield Medical Practice",
        Role.PRACTITIONER,
    ),
    (
        "hv.lead@northfield-health.example.org",
        "Joanne Reid",
        "Health visiting team leader",
        "Northfield Health Visiting Team",
        Role.MANAGER,
    ),
    (
        "health.visitor@northfield-health.example.org",
        "Sarah Hughes",
        "Health visitor",
        "Northfield Health Visiting Team",
        Role.PRACTITIONER,
    ),
    (
        "team.manager@northfield-council.example.org",
        "David Chen",
        "Team manager, children's social care",
        "Northfield Children's Social Care",
        Role.MANAGER,
    ),
    (
        "social.worker@northfield-council.example.org",
        "Fatima Begum",
        "Social worker",
        "Northfield Children's Social Care",
        Role.PRACTITIONER,
    ),
    (
        "manager@pathways-recovery.example.org",
        "Liam O'Connor",
        "Service manager",
        "Pathways Drug and Alcohol Service",
        Role.MANAGER,
    ),
    (
        "counsellor@pathways-recovery.example.org",
        "Nadia Kowalski",
        "Drug and alcohol counsellor",
        "Pathways Drug and Alcohol Service",
        Role.PRACTITIONER,
    ),
    (
        "housing.manager@northfield-council.example.org",
        "Rachel Adams",
        "Housing options manager",
        "Northfield Housing Options",
        Role.MANAGER,
    ),
    (
        "housing.officer@northfield-council.example.org",
        "Mark Evans",
        "Housing officer",
        "Northfield Housing Options",
        Role.PRACTITIONER,
    ),
    (
        "camhs.manager@northfield-health.example.org",
        "Dr Simon Price",
        "CAMHS team manager",
        "Northfield CAMHS",
        Role.MANAGER,
    ),
    (
        "camhs.practitioner@northfield-health.example.org",
        "Grace Thompson",
        "Primary mental health worker",
        "Northfield CAMHS",
        Role.PRACTITIONER,
    ),
    (
        "manager@brightways.example.org",
        "Carol Whitfield",
        "Family support manager",
        "Brightways Family Support",
        Role.MANAGER,
    ),
    (
        "family.worker@brightways.example.org",
        "Ben Morris",
        "Family support worker",
        "Brightways Family Support",
        Role.PRACTITIONER,
    ),
]

ADMIN = ("admin@team-around-the-child.example.org", "Platform Administrator")


@transaction.atomic
def load() -> list[tuple[str, str, str, str]]:
    """Create the demo agencies and people; return (email, name, agency, role) for each sign-in."""
    agencies = {}
    for fields in AGENCIES:
        agency = Agency.objects.filter(name=fields["name"]).first()
        agencies[fields["name"]] = agency or services.agency_create(actor=None, **fields)

    sign_ins = []
    for email, name, job_title, agency_name, role in PEOPLE:
        user = User.objects.filter(email=email).first() or services.user_create(
            actor=None, email=email, full_name=name, job_title=job_title, password=DEMO_PASSWORD
        )
        agency = agencies[agency_name]
        if not Membership.objects.current().filter(agency=agency, user=user).exists():
            services.membership_add(actor=None, agency=agency, email=email, role=role)
        sign_ins.append((email, name, agency_name, Role(role).label))

    email, name = ADMIN
    if not User.objects.filter(email=email).exists():
        User.objects.create_superuser(email=email, full_name=name, password=DEMO_PASSWORD)
    sign_ins.append((email, name, "(administration site only)", "Platform administrator"))
    return sign_ins
