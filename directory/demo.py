"""The demo directory: every demo agency's information sheet and services, listed practitioners, and
Riverside Primary School's directory of the agencies in the Carter case, published once, with one
change made since (so the draft shows it). Idempotent: it does nothing once the school has a directory."""

from datetime import time

from django.db import transaction

from agencies.models import Agency, User

from . import services
from .models import Directory, TaxonomyTerm
from .postcodes import DEMO_POSTCODES, load_postcodes
from .services import OpeningSession

WEEKDAYS = [1, 2, 3, 4, 5]
CARTER_AGENCIES = [
    "Riverside Primary School",
    "Northfield Medical Practice",
    "Northfield Health Visiting Team",
    "Northfield Children's Social Care",
    "Pathways Drug and Alcohol Service",
    "Northfield Housing Options",
]

# name: (profile, contact person, services offered, how to refer, what to include, days, urgent days, hours)
SHEETS = {
    "Riverside Primary School": (
        "A primary school for 420 children aged 4 to 11, with a nursery class and a family room.",
        "Priya Shah, SENCO",
        ["one_to_one", "group", "advice"],
        "Speak to the SENCO or the office; families can ask at the family room.",
        "The child's name, class, what you have noticed and what the family has said.",
        5,
        1,
        (time(8, 30), time(16, 30)),
    ),
    "Northfield Medical Practice": (
        "A GP practice of six doctors, practice nurses and a health care assistant.",
        "Gareth Lewis, practice manager",
        ["one_to_one", "advice"],
        "Families book with reception; professionals write to the practice manager.",
        "Name, date of birth, NHS number if known, the concern and consent given.",
        5,
        1,
        (time(8, 0), time(18, 30)),
    ),
    "Northfield Health Visiting Team": (
        "Health visitors for every family with children under five: development checks, feeding, sleep, "
        "parents' emotional health.",
        "Joanne Reid, team leader",
        ["one_to_one", "group", "advice", "outreach"],
        "Referral form by secure email; families can phone the duty health visitor.",
        "The child and family's details, the concern, who else is involved and the family's consent.",
        5,
        1,
        (time(9, 0), time(17, 0)),
    ),
    "Northfield Children's Social Care": (
        "The front door for children in need and child protection. If a child is at risk of significant harm, "
        "phone now.",
        "The duty social worker",
        ["one_to_one", "practical", "advice", "outreach"],
        "Phone the front door; follow up in writing within 48 hours with the multi-agency referral form.",
        "Names, dates of birth, address, the concern and what has been done so far; whether parents know.",
        1,
        0,
        (time(9, 0), time(17, 0)),
    ),
    "Pathways Drug and Alcohol Service": (
        "Confidential help for adults whose drinking or drug use affects them or their family.",
        "Liam O'Connor, service manager",
        ["one_to_one", "group", "advice", "outreach"],
        "Self-referral by phone or drop-in; professionals use the referral form with the person's consent.",
        "Contact details, substances used, children in the household and any risks.",
        3,
        1,
        (time(10, 0), time(18, 0)),
    ),
    "Northfield Housing Options": (
        "Advice and help for people who are homeless or at risk of losing their home, and temporary housing.",
        "Rachel Adams, housing options manager",
        ["practical", "advice"],
        "Phone or visit the Civic Centre; professionals email housing options.",
        "The household, current address, the housing problem and any risks.",
        10,
        1,
        (time(9, 0), time(16, 30)),
    ),
    "Northfield CAMHS": (
        "Specialist mental health services for children and young people up to 18.",
        "Dr Simon Price, team manager",
        ["one_to_one", "group", "advice"],
        "Referral form from a GP, school or other professional.",
        "The child's details, the difficulties, how long, what has been tried and the family's consent.",
        20,
        2,
        (time(9, 0), time(17, 0)),
    ),
    "Brightways Family Support": (
        "A charity working alongside families with young children at home and in groups.",
        "Carol Whitfield, family support manager",
        ["one_to_one", "practical", "group", "outreach", "interpretation"],
        "Families and professionals phone or email; we call back within two working days.",
        "Family details, what help is wanted, languages spoken.",
        5,
        2,
        (time(9, 0), time(17, 0)),
    ),
}

# agency: [(name, description, types, outcomes, min age, max age, where, days, hours, how to access, cost, languages)]
SERVICES = {
    "Riverside Primary School": [
        (
            "Nurture group",
            "Small-group support each morning for children who find the classroom hard.",
            ["group"],
            ["enjoy_and_achieve", "be_healthy"],
            4,
            7,
            "Riverside Primary School, the nurture room",
            [1, 2, 3, 4, 5],
            (time(9, 0), time(10, 30)),
            "Through the class teacher or the SENCO.",
            "Free",
            "English",
        ),
    ],
    "Northfield Medical Practice": [
        (
            "Baby and child clinic",
            "Immunisations and checks for babies and young children.",
            ["one_to_one"],
            ["be_healthy"],
            0,
            5,
            "Northfield Medical Practice",
            [3],
            (time(13, 30), time(16, 0)),
            "Book with reception.",
            "Free",
            "English, Urdu",
        ),
    ],
    "Northfield Health Visiting Team": [
        (
            "Baby weigh and feeding clinic",
            "Drop-in weighing and feeding advice with a health visitor.",
            ["group", "advice"],
            ["be_healthy"],
            0,
            2,
            "Riverside Children's Centre",
            [2],
            (time(9, 30), time(11, 30)),
            "Drop in, no appointment needed.",
            "Free",
            "English, Polish",
        ),
        (
            "Perinatal emotional health visits",
            "Home visits for parents with anxiety or low mood after a baby is born.",
            ["one_to_one", "outreach"],
            ["be_healthy", "stay_safe"],
            0,
            1,
            "At home",
            [1, 2, 3, 4, 5],
            (time(9, 0), time(17, 0)),
            "Ask your health visitor or GP.",
            "Free",
            "English",
        ),
    ],
    "Northfield Children's Social Care": [
        (
            "Early help family support",
            "Family support workers for families who need more help than universal services give.",
            ["one_to_one", "practical", "outreach"],
            ["stay_safe", "economic_well_being"],
            0,
            18,
            "At home and in the community",
            [1, 2, 3, 4, 5],
            (time(9, 0), time(17, 0)),
            "Through a CAF and the early help panel.",
            "Free",
            "English; interpreters arranged",
        ),
    ],
    "Pathways Drug and Alcohol Service": [
        (
            "Parents in recovery group",
            "A weekly group for parents cutting down or stopping drinking or drug use.",
            ["group"],
            ["stay_safe", "be_healthy"],
            None,
            None,
            "3 Canal Walk",
            [4],
            (time(18, 0), time(20, 0)),
            "Self-refer by phone or ask your key worker.",
            "Free",
            "English",
        ),
    ],
    "Northfield Housing Options": [
        (
            "Housing advice drop-in",
            "Advice on homelessness, temporary accommodation and moving to a settled home.",
            ["practical", "advice"],
            ["economic_well_being", "stay_safe"],
            None,
            None,
            "Civic Centre, Church Street",
            [1, 3, 5],
            (time(9, 30), time(12, 30)),
            "Drop in or phone.",
            "Free",
            "English",
        ),
    ],
    "Northfield CAMHS": [
        (
            "Primary mental health work in schools",
            "Consultation for school staff and brief work with children.",
            ["one_to_one", "advice"],
            ["be_healthy"],
            4,
            18,
            "In schools, by arrangement",
            [2, 4],
            (time(9, 0), time(15, 0)),
            "The school's SENCO arranges it.",
            "Free",
            "English",
        ),
    ],
    "Brightways Family Support": [
        (
            "Stay and play",
            "A friendly group for parents and children under five.",
            ["group"],
            ["enjoy_and_achieve", "positive_contribution"],
            0,
            5,
            "Brightways House, 40 Park Road",
            [2, 4],
            (time(10, 0), time(11, 30)),
            "Just come along.",
            "£1 a session",
            "English, Polish, Romanian",
        ),
    ],
}

# (email, location on site, days, availability)
PRACTITIONERS = [
    (
        "senco@riverside-primary.example.org",
        "The SENCO office, next to the main entrance",
        [1, 2, 3, 4],
        "8:30am to 4pm",
    ),
    ("health.visitor@northfield-health.example.org", "The family room at Riverside on Tuesdays", [2], "9am to 12 noon"),
    ("family.worker@brightways.example.org", "The family room at Riverside on Thursdays", [4], "1pm to 3pm"),
]


@transaction.atomic
def load() -> None:
    load_postcodes(DEMO_POSTCODES)
    school = Agency.objects.filter(name="Riverside Primary School").first()
    if school is None or Directory.objects.filter(setting=school).exists():
        return
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    agencies = {a.name: a for a in Agency.objects.filter(name__in=SHEETS)}
    for name, (profile, person, offered, refer, include, days, urgent, hours) in SHEETS.items():
        agency = agencies[name]
        services.agency_sheet_update(
            actor=None,
            agency=agency,
            agency_fields={},
            sheet_fields={
                "is_listed": True,
                "profile": profile,
                "contact_person": person,
                "how_to_refer": refer,
                "referral_information": include,
                "expected_response_days": days,
                "urgent_response_days": urgent,
            },
            services_offered=[terms[c] for c in offered],
        )
        services.agency_opening_times_set(
            actor=None,
            agency=agency,
            sessions=[OpeningSession(day, *hours) for day in WEEKDAYS],
            exceptions="Term time only" if agency.kind == Agency.Kind.SCHOOL else "Closed on bank holidays",
        )
        for name_, description, types, outcomes, youngest, oldest, where, on, (
            opens,
            closes,
        ), how, cost, langs in SERVICES.get(name, []):
            service = services.service_create(
                actor=None,
                agency=agency,
                name=name_,
                description=description,
                types=[terms[c] for c in types],
                outcomes=[terms[c] for c in outcomes],
                minimum_age=youngest,
                maximum_age=oldest,
                sessions=[],
                how_to_access=how,
                cost=cost,
                languages=langs,
                contact_email=agency.email,
                contacts=[{"title": "Duty worker", "phones": agency.phone, "email": agency.email}],
            )
            first_line, *_ = agency.address.splitlines() or [""]
            if where.lower().startswith("at home"):
                services.service_location_add(
                    actor=None,
                    service=service,
                    kind="home",
                    sessions=[OpeningSession(day, opens, closes) for day in on],
                )
                continue
            services.service_location_add(
                actor=None,
                service=service,
                kind="physical",
                name=where,
                address_1=first_line or where,
                city="Northfield",
                state_province="Northfieldshire",
                postcode=agency.postcode,
                accessibility="Step-free access from the car park." if agency.kind != Agency.Kind.SCHOOL else "",
                sessions=[OpeningSession(day, opens, closes) for day in on],
            )
            if "outreach" in types:
                services.service_location_add(actor=None, service=service, kind="home")
    for email, where, days, availability in PRACTITIONERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        services.practitioner_profile_update(
            actor=user,
            user=user,
            user_fields={"availability": availability},
            is_listed=True,
            location_on_site=where,
            available_days=days,
        )

    coordinator = User.objects.get(email="senco@riverside-primary.example.org")
    directory = services.directory_create(
        actor=coordinator,
        setting=school,
        introduction="Who can help, how to reach them, when they are here and how to refer. "
        "Ask at the office if you need help to contact any of them.",
    )
    in_school = services.section_add(actor=coordinator, directory=directory, heading="In school every week")
    agencies_section = services.section_add(
        actor=coordinator, directory=directory, heading="Agencies working with our families"
    )
    for name in CARTER_AGENCIES:
        services.entry_add(actor=coordinator, directory=directory, target=agencies[name], section=agencies_section)
    services.entry_add(
        actor=coordinator,
        directory=directory,
        target=User.objects.get(email="health.visitor@northfield-health.example.org"),
        section=in_school,
        note="In school every Tuesday morning, the family room.",
    )
    services.entry_add(
        actor=coordinator,
        directory=directory,
        target=User.objects.get(email="senco@riverside-primary.example.org"),
        section=in_school,
    )
    services.directory_publish(actor=coordinator, directory=directory)

    # One change since publication, so the draft shows what changed in the underlying entries.
    housing = agencies["Northfield Housing Options"]
    manager = User.objects.filter(email="housing.manager@northfield-council.example.org").first()
    services.agency_sheet_update(
        actor=manager,
        agency=housing,
        agency_fields={},
        sheet_fields={"expected_response_days": 5},
        services_offered=list(housing.directory_profile.services_offered.all()),
    )
