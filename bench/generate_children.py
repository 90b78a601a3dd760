"""Fill a separate benchmark database with synthetic children, families, agencies and practitioners.

    .venv/bin/python bench/generate_children.py \\
        --database-url postgres://postgres@127.0.0.1:5432/tac_bench --children 100000

Creates the database if it is missing and migrates it. If it already holds data the script stops,
unless --reset is given: then the database is dropped, created again and refilled.

Everything is made with bulk_create in batches, which skips save() and the signals. So this script
does by hand what they would do: it creates each agency's Group, computes the children's phonetic name
keys, adds members to their agency's group, gives managers their manage_agency grant and each practitioner
named on a current involvement the view_child_named grant on that child (as access.sync_named_grants does), and
fills the coverage table from the access rule (access.rebuild_coverage, one INSERT … SELECT). History rows
(django-simple-history) are deliberately not written: this is synthetic benchmark data, not records
anyone changed.

Every practitioner's password is BENCH_PASSWORD, so the data can also be explored in a browser.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench"
BENCH_PASSWORD = "benchmark-password-not-secret"
BATCH = 5_000  # children per transaction; bulk_create batches are the same size

FIRST_NAMES = (
    "Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Lily Arthur Isabella Muhammad Rosie Oscar Sophia "
    "Charlie Grace Jacob Freya Thomas Willow Henry Olivia Freddie Emily William Poppy Alfie Ella Theo Evie Archie "
    "Elsie Joshua Florence Teddy Sienna James Daisy Max Aria Isaac Phoebe Lucas Millie Finley Harper Ethan Ruby "
    "Mason Maya Adam Matilda Logan Zara Reuben Layla Tommy Aisha Riley Chloe Jaxon Esme Zachary Hannah Ibrahim "
    "Jessica Dylan Alice Kai Eliza Yusuf Nancy Ali Amira Omar Priya Kofi Ama Tariq Fatima Jakub Zofia Aleksander"
).split()
LAST_NAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker "
    "White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris "
    "Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young "
    "Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
    "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher "
    "Stevens Jenkins Murray Dixon Harvey Okafor Mensah Nowak Kowalski Nguyen Chen Ahmed Rahman Mahmood Osei"
).split()
PLACES = (
    "Northfield Riverside Ashby Brookside Castleton Dale Eastgate Fairview Greenhill Highbury Kingsmead Lowfield "
    "Millbrook Newtown Oakwood Parkside Queensway Redhill Southfield Thornbury Upton Westbrook Yardley Zetland"
).split()
# Agency kinds and how common they are among the 500 agencies (schools dominate, as in a real area).
KIND_MIX = [
    ("school", 40),
    ("early_years", 10),
    ("gp_practice", 12),
    ("health_visiting", 4),
    ("school_nursing", 3),
    ("camhs", 2),
    ("social_care", 3),
    ("police", 2),
    ("youth_justice", 2),
    ("housing", 3),
    ("education_welfare", 3),
    ("educational_psychology", 2),
    ("drug_alcohol", 3),
    ("voluntary", 8),
    ("childrens_centre", 3),
]
ROLES_BY_KIND = {
    "school": "Designated safeguarding lead",
    "early_years": "Key person",
    "gp_practice": "General practitioner",
    "health_visiting": "Health visitor",
    "school_nursing": "School nurse",
    "camhs": "Clinical psychologist",
    "social_care": "Family support worker",
    "police": "Schools liaison officer",
    "youth_justice": "Youth justice worker",
    "housing": "Housing officer",
    "education_welfare": "Education welfare officer",
    "educational_psychology": "Educational psychologist",
    "drug_alcohol": "Recovery worker",
    "voluntary": "Family worker",
    "childrens_centre": "Outreach worker",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--practitioners", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2024, help="random seed, so runs are repeatable")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database if it holds data")
    args = parser.parse_args()
    if args.practitioners < args.agencies:
        parser.error("--practitioners must be at least --agencies (every agency gets a member)")
    return args


# --- The database ---------------------------------------------------------------------------------


def prepare_database(url: str, reset: bool) -> None:
    """Create the benchmark database if missing; with `reset`, drop it first. Refuses non-benchmark names."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql"} or not name:
        sys.exit(f"--database-url must be a PostgreSQL URL with a database name, not {url!r}")
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: a benchmark database's name must contain 'bench'")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            print(f"Dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            print(f"Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- Synthetic values -----------------------------------------------------------------------------


class Fake:
    """Plausible values from a seeded random generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = date.today()

    def first_name(self) -> str:
        return self.rng.choice(FIRST_NAMES)

    def last_name(self) -> str:
        if self.rng.random() < 0.05:
            return f"{self.rng.choice(LAST_NAMES)}-{self.rng.choice(LAST_NAMES)}"
        return self.rng.choice(LAST_NAMES)

    def postcode(self) -> str:
        inward = "".join(self.rng.choices("ABDEFGHJLNPQRSTUWXYZ", k=2))
        return f"NF{self.rng.randint(1, 9)} {self.rng.randint(1, 9)}{inward}"

    def address(self) -> str:
        return f"{self.rng.randint(1, 250)} {self.rng.choice(PLACES)} Road\n{self.rng.choice(PLACES)}"

    def phone(self) -> str:
        return f"01632 960 {self.rng.randint(0, 999):03d}"  # Ofcom's range reserved for drama

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))


def reference_for(n: int) -> str:
    """A unique child reference for the n-th child: n scrambled by a bijection on 8 base-31 digits."""
    from children.models import REFERENCE_ALPHABET

    base = len(REFERENCE_ALPHABET)
    value = (n * 48_271 + 12_345) % base**8  # 48271 is prime, so coprime with 31**8: no two n collide
    digits = []
    for _ in range(8):
        value, digit = divmod(value, base)
        digits.append(REFERENCE_ALPHABET[digit])
    return f"TAC-{''.join(digits[:4])}-{''.join(digits[4:])}"


def name_key_fields(first_name: str, last_name: str, other_names: str) -> dict:
    """What Child.save() computes (bulk_create skips save): the phonetic keys of the child's names."""
    from children.models import Child

    return Child.phonetic_fields(first_name, last_name, other_names)


# --- Agencies and practitioners -------------------------------------------------------------------


class World:
    """The agencies and practitioners, and who belongs where, for drawing children's teams."""

    def __init__(self, agencies, members_by_agency, weights):
        self.agencies = agencies
        self.members = members_by_agency  # agency id -> [user id]
        self.cum_weights = list(_accumulate(weights))
        self.schools = [a for a in agencies if a.kind == "school"]
        self.school_cum_weights = list(_accumulate(weights[i] for i, a in enumerate(agencies) if a.kind == "school"))
        from django.contrib.auth.models import Permission

        self.named_permission = Permission.objects.get(content_type__app_label="children", codename="view_child_named")


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def make_agencies_and_practitioners(fake: Fake, n_agencies: int, n_practitioners: int) -> World:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission

    from agencies.models import Agency, AgencyUserObjectPermission, Membership, User

    rng = fake.rng
    kinds = [kind for kind, share in KIND_MIX for _ in range(share)]
    labels = dict(Agency.Kind.choices)
    groups = Group.objects.bulk_create([Group(name=f"agency-{uuid.uuid4()}") for _ in range(n_agencies)])
    agencies = []
    for i, group in enumerate(groups):
        kind = kinds[i % len(kinds)]
        agencies.append(
            Agency(
                name=f"{rng.choice(PLACES)} {labels[kind]} {i + 1:03d}",
                kind=kind,
                sector="voluntary" if kind in {"voluntary", "drug_alcohol"} else "statutory",
                address=fake.address(),
                postcode=fake.postcode(),
                phone=fake.phone(),
                email=f"agency{i + 1:03d}@bench.invalid",
                group=group,
            )
        )
    agencies = Agency.objects.bulk_create(agencies, batch_size=BATCH)
    # Skewed sizes, as in a real area: a few area-wide services (social care, health visiting) work with
    # thousands of children, most agencies with a few hundred. Agency i is drawn with weight 1/(i+5).
    weights = [1 / (i + 5) for i in range(n_agencies)]
    rng.shuffle(weights)
    cum_weights = list(_accumulate(weights))

    password = make_password(BENCH_PASSWORD)  # hashed once: hashing 5,000 times with Argon2 takes minutes
    users = User.objects.bulk_create(
        [
            User(
                email=f"practitioner{n:05d}@bench.invalid",
                full_name=f"{fake.first_name()} {fake.last_name()}",
                job_title="Practitioner",
                password=password,
            )
            for n in range(1, n_practitioners + 1)
        ],
        batch_size=BATCH,
    )
    # Every agency has at least one member; the rest join agencies in proportion to their size, and one
    # practitioner in ten also belongs to a second agency.
    pairs = [(agency, users[i]) for i, agency in enumerate(agencies)]
    for user in users[len(agencies) :]:
        first = rng.choices(agencies, cum_weights=cum_weights)[0]
        pairs.append((first, user))
        if rng.random() < 0.1:
            second = rng.choices(agencies, cum_weights=cum_weights)[0]
            if second != first:
                pairs.append((second, user))
    memberships = [
        Membership(
            agency=agency,
            user=user,
            role=Membership.Role.MANAGER if rng.random() < 0.1 else Membership.Role.PRACTITIONER,
            started_on=fake.days_ago(30, 3000),
        )
        for agency, user in pairs
    ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    # What the Membership post_save signal (access.sync_agency_grants) would have done.
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=m.user_id, group_id=m.agency.group_id) for m in memberships], batch_size=BATCH
    )
    manage = Permission.objects.get(content_type__app_label="agencies", codename="manage_agency")
    AgencyUserObjectPermission.objects.bulk_create(
        [
            AgencyUserObjectPermission(user_id=m.user_id, content_object_id=m.agency_id, permission=manage)
            for m in memberships
            if m.role == Membership.Role.MANAGER
        ],
        batch_size=BATCH,
    )
    members_by_agency = {agency.pk: [] for agency in agencies}
    for m in memberships:
        members_by_agency[m.agency_id].append(m.user_id)
    print(f"  {len(agencies):,} agencies, {len(users):,} practitioners, {len(memberships):,} memberships")
    return World(agencies, members_by_agency, weights)


# --- Children -------------------------------------------------------------------------------------


def make_children(fake: Fake, world: World, first: int, count: int) -> dict:
    """One batch of children with their families, teams, consent and lead professional. Returns row counts."""
    from django.db.models import OuterRef, Subquery

    from children.models import (
        Child,
        ChildUserObjectPermission,
        Consent,
        ConsentCoverage,
        FamilyMember,
        Involvement,
        LeadProfessional,
    )

    rng = fake.rng
    children, teams = [], []
    for n in range(first, first + count):
        team = draw_team(rng, world)
        recording = team[0]
        last_name = fake.last_name()
        first_name = fake.first_name()
        other_names = fake.first_name() if rng.random() < 0.1 else ""
        unborn = rng.random() < 0.01
        children.append(
            Child(
                reference=reference_for(n),
                first_name="" if unborn else first_name,
                last_name=last_name,
                other_names=other_names,
                sex=rng.choice(("female", "male")),
                is_unborn=unborn,
                unborn_mother_name=f"{fake.first_name()} {last_name}" if unborn else "",
                date_of_birth=None if unborn else fake.days_ago(30, 18 * 365),
                expected_date_of_delivery=fake.today + timedelta(days=rng.randint(10, 200)) if unborn else None,
                address=fake.address(),
                postcode=fake.postcode(),
                phone=fake.phone(),
                ethnicity=rng.choice(("white_british", "asian_pakistani", "black_african", "mixed_other", "not_known")),
                first_language="English",
                parents_first_language="English",
                school=next((a for a in team if a.kind == "school"), None),
                recording_agency=recording,
                created_by_id=rng.choice(world.members[recording.pk]),
                **name_key_fields("" if unborn else first_name, last_name, other_names),
            )
        )
        teams.append(team)
    children = Child.objects.bulk_create(children, batch_size=BATCH)

    family, involvements, consents, leads = [], [], [], []
    excluded = []  # (consent index, agency)
    for child, team in zip(children, teams, strict=True):
        family.extend(make_family(fake, child))
        for agency in team:
            practitioner = rng.choice(world.members[agency.pk]) if rng.random() < 0.6 else None
            involvements.append(
                Involvement(
                    child=child,
                    agency=agency,
                    practitioner_id=practitioner,
                    role=ROLES_BY_KIND[agency.kind],
                    started_on=fake.days_ago(0, 700),
                )
            )
        if rng.random() < 0.1:  # an agency that has since left the team: not current, gives no access
            former = rng.choices(world.agencies, cum_weights=world.cum_weights)[0]
            if former not in team:
                involvements.append(
                    Involvement(
                        child=child,
                        agency=former,
                        role=ROLES_BY_KIND[former.kind],
                        started_on=fake.days_ago(800, 1500),
                        ended_on=fake.days_ago(701, 799),
                        end_reason="Work with the family finished.",
                    )
                )
        consent, excluded_agency = make_consent(fake, child, team)
        consents.append(consent)
        if excluded_agency:
            excluded.append((len(consents) - 1, excluded_agency))
        if rng.random() < 0.85:
            agency = rng.choice(team)
            leads.append(
                LeadProfessional(
                    child=child,
                    practitioner_id=rng.choice(world.members[agency.pk]),
                    agency=agency,
                    family_agreed=True,
                    agreed_on=fake.days_ago(0, 365),
                    started_on=fake.days_ago(0, 365),
                )
            )
    FamilyMember.objects.bulk_create(family, batch_size=BATCH)
    Involvement.objects.bulk_create(involvements, batch_size=BATCH)
    # What access.sync_named_grants (called by the involvement services) would have done: each practitioner
    # named on a current involvement holds the guardian grant view_child_named on the child (their caseload).
    named = {(i.child_id, i.practitioner_id) for i in involvements if i.practitioner_id and i.ended_on is None}
    ChildUserObjectPermission.objects.bulk_create(
        [
            ChildUserObjectPermission(content_object_id=child_id, user_id=user_id, permission=world.named_permission)
            for child_id, user_id in sorted(named)
        ],
        batch_size=BATCH,
    )
    consents = Consent.objects.bulk_create(consents, batch_size=BATCH)
    Consent.agencies_excluded.through.objects.bulk_create(
        [Consent.agencies_excluded.through(consent_id=consents[i].pk, agency_id=a.pk) for i, a in excluded],
        batch_size=BATCH,
    )
    # What consent_record does for "every agency in the team": record the team the family agreed to.
    ConsentCoverage.objects.bulk_create(
        [
            ConsentCoverage(consent_id=consent.pk, agency_id=agency.pk, basis=ConsentCoverage.Basis.IN_TEAM)
            for consent, team in zip(consents, teams, strict=True)
            for agency in team
        ],
        batch_size=BATCH,
    )
    LeadProfessional.objects.bulk_create(leads, batch_size=BATCH)
    # What the consent services do: point each child at the consent that governs (here its only one).
    newest = Consent.objects.filter(child_id=OuterRef("pk")).order_by("-given_on", "-recorded_at", "-pk")
    Child.objects.filter(pk__in=[child.pk for child in children]).update(
        current_consent_id=Subquery(newest.values("pk")[:1])
    )
    return {
        "children": len(children),
        "family members": len(family),
        "current involvements": sum(1 for i in involvements if i.ended_on is None),
        "ended involvements": sum(1 for i in involvements if i.ended_on is not None),
        "consents": len(consents),
        "excluded agencies": len(excluded),
        "lead professionals": len(leads),
        "named-practitioner grants": len(named),
    }


def draw_team(rng: random.Random, world: World) -> list:
    """2-4 distinct agencies, usually including a school; the first is the one that opened the record."""
    size = rng.choice((2, 3, 3, 4))
    team = []
    if rng.random() < 0.8:
        team.append(rng.choices(world.schools, cum_weights=world.school_cum_weights)[0])
    while len(team) < size:
        agency = rng.choices(world.agencies, cum_weights=world.cum_weights)[0]
        if agency not in team:
            team.append(agency)
    rng.shuffle(team)
    return team


def make_family(fake: Fake, child) -> list:
    from children.models import FamilyMember

    rng = fake.rng
    kind = FamilyMember.Kind
    members = [
        FamilyMember(
            child=child,
            kind=kind.PARENT_CARER,
            name=f"{fake.first_name()} {child.last_name}",
            relationship="mother",
            parental_responsibility=True,
            lives_with_child=True,
            phone=fake.phone(),
            email=f"parent{child.pk}@bench.invalid",
        )
    ]
    if rng.random() < 0.6:
        members.append(
            FamilyMember(
                child=child,
                kind=kind.PARENT_CARER,
                name=f"{fake.first_name()} {fake.last_name()}",
                relationship=rng.choice(("father", "stepfather", "grandmother", "foster carer")),
                parental_responsibility=rng.random() < 0.7,
                lives_with_child=rng.random() < 0.6,
            )
        )
    while len(members) < rng.choice((2, 3, 4)):
        members.append(
            FamilyMember(
                child=child,
                kind=kind.SIBLING,
                name=f"{fake.first_name()} {child.last_name}",
                relationship=rng.choice(("brother", "sister", "half-brother", "half-sister")),
                lives_with_child=True,
                date_of_birth=fake.days_ago(100, 18 * 365),
            )
        )
    return members


def make_consent(fake: Fake, child, team):
    """The family's consent: mostly additional, to every involved agency; some exclude one; ~5% withdrawn."""
    from children.models import Consent

    rng = fake.rng
    given_on = fake.days_ago(0, 700)
    withdrawn = rng.random() < 0.05
    others = [a for a in team if a.pk != child.recording_agency_id]
    excluded = rng.choice(others) if others and rng.random() < 0.08 else None
    consent = Consent(
        child=child,
        given_by=Consent.GivenBy.PARENT,
        given_by_name=f"{fake.first_name()} {child.last_name}",
        given_on=given_on,
        method=rng.choice((Consent.Method.WRITTEN, Consent.Method.VERBAL)),
        scope=Consent.Scope.ADDITIONAL if rng.random() < 0.9 else Consent.Scope.BASIC,
        all_involved_agencies=True,
        purposes="To plan and coordinate support for the family through the team around the child.",
        review_on=given_on + timedelta(days=365),
        withdrawn_on=given_on + timedelta(days=rng.randint(0, 60)) if withdrawn else None,
        withdrawal_reason="The family no longer wish information to be shared." if withdrawn else "",
        recorded_by_id=child.created_by_id,
    )
    return consent, excluded


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    prepare_database(args.database_url, args.reset)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection, transaction

    from agencies.models import Agency, User
    from children.models import Child

    print("Migrating")
    call_command("migrate", verbosity=0, interactive=False)
    if Child.objects.exists() or Agency.objects.exists() or User.objects.exists():
        sys.exit("The database already holds data: run again with --reset to drop it and generate afresh")

    fake = Fake(args.seed)
    print(f"Generating {args.agencies:,} agencies and {args.practitioners:,} practitioners")
    with transaction.atomic():
        world = make_agencies_and_practitioners(fake, args.agencies, args.practitioners)

    print(f"Generating {args.children:,} children")
    totals: dict[str, int] = {}
    for first in range(1, args.children + 1, BATCH):
        count = min(BATCH, args.children + 1 - first)
        with transaction.atomic():
            for name, rows in make_children(fake, world, first, count).items():
                totals[name] = totals.get(name, 0) + rows
        done = first + count - 1
        print(f"  {done:>9,} children  ({time.perf_counter() - started:6.1f} s)", flush=True)

    # What the services do as they go (access.refresh_coverage), done once for all, set-based.
    from agencies import access

    print("Coverage table (what the access rule gives each agency), set-based")
    totals["coverage rows"] = access.rebuild_coverage()
    print("VACUUM ANALYZE (fresh planner statistics for the benchmark)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    print("Rows written:")
    for name, rows in totals.items():
        print(f"  {name:<26} {rows:>10,}")
    print(f"Done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
