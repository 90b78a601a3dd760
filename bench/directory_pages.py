"""Time the public directory page and /openreferral/services with 5,000 services.

    .venv/bin/python bench/directory_pages.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_directory

It creates the database if it is missing (refusing any name without "bench"), migrates it, and, when
it holds no benchmark data yet, creates 500 listed agencies with 10 services each (5,000 in all, with
types, outcomes and a weekly session; bulk_create, so without history rows) and a school's directory
of all of them, published through the product's own service. Then it
requests each page through django.test.Client and prints the median and 95th percentile in
milliseconds and the SQL queries per request, for a small directory and the full one, so a query
count that grows with the data shows at once.
"""

import argparse
import math
import os
import statistics
import sys
import time
from datetime import time as clock
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench_directory"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--services", type=int, default=5000, help="services to create (default 5,000)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmups", type=int, default=3, help="untimed requests first (default 3)")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        sys.exit(f"Refusing to use {name!r}: benchmark database names must contain 'bench'")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def generate(total: int) -> None:
    """Create agencies, services and a directory of them with bulk_create, then publish it through the service.

    bulk_create skips save() and signals, so no history rows are written: this is synthetic data nobody
    changed. The directory is published through `directory.services.directory_publish`, as in the product.
    """
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies import services as agency_services
    from agencies.models import Agency, Membership
    from directory import services
    from directory.models import (
        AgencyProfile,
        Directory,
        DirectoryEntry,
        Location,
        OpeningTime,
        Service,
        ServiceLocation,
        TaxonomyTerm,
    )

    if Directory.objects.filter(slug="bench-primary-school").exists():
        return
    started = time.perf_counter()
    types = list(TaxonomyTerm.objects.filter(taxonomy__code="service_types"))
    outcomes = list(TaxonomyTerm.objects.filter(taxonomy__code="ecm_outcomes"))
    now = timezone.now()
    per_agency = 10
    with transaction.atomic():
        school = agency_services.agency_create(
            actor=None, name="Bench Primary School", kind="school", sector="statutory"
        )
        coordinator = agency_services.membership_add(
            actor=None,
            agency=school,
            email="coordinator@bench.invalid",
            full_name="Bench Coordinator",
            role=Membership.Role.COORDINATOR,
        ).user
        directory = services.directory_create(actor=coordinator, setting=school)
        count = math.ceil(total / per_agency)
        groups = Group.objects.bulk_create([Group(name=f"bench-agency-{a}") for a in range(count)])
        agencies = Agency.objects.bulk_create(
            [
                Agency(name=f"Bench agency {a:04d}", kind="voluntary", sector="voluntary", group=groups[a])
                for a in range(count)
            ]
        )
        AgencyProfile.objects.bulk_create(
            [AgencyProfile(agency=a, is_listed=True, profile="Bench agency", confirmed_at=now) for a in agencies]
        )
        rows = Service.objects.bulk_create(
            [
                Service(
                    agency=agencies[n // per_agency],
                    name=f"Service {n:05d}",
                    description="Support for families",
                    minimum_age=n % 5,
                    maximum_age=5 + n % 13,
                    confirmed_at=now,
                )
                for n in range(total)
            ]
        )
        Service.types.through.objects.bulk_create(
            [Service.types.through(service=s, taxonomyterm=types[n % len(types)]) for n, s in enumerate(rows)]
        )
        Service.outcomes.through.objects.bulk_create(
            [Service.outcomes.through(service=s, taxonomyterm=outcomes[n % len(outcomes)]) for n, s in enumerate(rows)]
        )
        OpeningTime.objects.bulk_create(
            [OpeningTime(service=s, day=1 + n % 5, opens_at=clock(9), closes_at=clock(12)) for n, s in enumerate(rows)]
        )
        # One place each, spread over about 20 miles, as the postcode search finds them.
        places = Location.objects.bulk_create(
            [
                Location(
                    name=f"Venue {n:05d}",
                    address_1=f"{n % 200 + 1} High Street",
                    city="Benchton",
                    state_province="Benchshire",
                    postcode="NF4 2RP",
                    latitude=52.9 + ((n * 37) % 100 - 50) / 350,
                    longitude=-0.6 + ((n * 53) % 100 - 50) / 210,
                )
                for n in range(total)
            ]
        )
        ServiceLocation.objects.bulk_create(
            [ServiceLocation(service=s, location=place, position=1) for s, place in zip(rows, places, strict=True)]
        )
        DirectoryEntry.objects.bulk_create(
            [DirectoryEntry(directory=directory, kind="service", service=s, position=n) for n, s in enumerate(rows)]
        )
    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would soon give them: without them PostgreSQL plans the place
        # search over 5,000 new locations as nested loops (2.7 s instead of 8 ms).
        cursor.execute("ANALYZE")
    published = time.perf_counter()
    services.directory_publish(actor=coordinator, directory=directory)
    print(
        f"Generated {total} services in {published - started:.0f} s; "
        f"published the directory in {time.perf_counter() - published:.1f} s"
    )


def measure(client, path: str, requests: int, warmups: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    ranked = sorted(samples)
    return statistics.median(ranked), ranked[math.ceil(0.95 * len(ranked)) - 1], len(queries)


def main():
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("load_postcodes", verbosity=0, stdout=open(os.devnull, "w"))
    generate(args.services)
    # Django empties the query log at each request start; keep it so CaptureQueriesContext sees the request.
    request_started.disconnect(reset_queries)
    client = Client()
    pages = [
        ("Public directory page", "/directory/published/bench-primary-school/"),
        ("Public page, filtered (type, age, day)", "/directory/published/bench-primary-school/?type=group&age=4&day=2"),
        ("Public page, search", "/directory/published/bench-primary-school/?search=service+0042"),
        ("/openreferral/services", "/openreferral/services"),
        ("/openreferral/services?per_page=200", "/openreferral/services?per_page=200"),
        (
            "/openreferral/services, search and ages",
            "/openreferral/services?search=service&minimum_age=2&maximum_age=15",
        ),
        (
            "Public page, within 5 miles of NF4 6KH",
            "/directory/published/bench-primary-school/?postcode=NF4+6KH&miles=5",
        ),
        ("/openreferral/service_at_locations", "/openreferral/service_at_locations"),
        (
            "/openreferral/service_at_locations, 8 km of NF4 6KH",
            "/openreferral/service_at_locations?postcode=NF4+6KH&proximity=8000",
        ),
    ]
    print(f"{args.requests} requests each after {args.warmups} warm-ups")
    for label, path in pages:
        median, p95, queries = measure(client, path, args.requests, args.warmups)
        print(f"{label:<45} median {median:8.1f} ms   p95 {p95:8.1f} ms   {queries:3d} queries per request")


if __name__ == "__main__":
    main()
