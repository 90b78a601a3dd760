"""Time importing a large Open Referral UK feed: about 50 MB, 18,000 services (issue 17's figure).

    .venv/bin/python bench/import_feed.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_import

It creates the database if it is missing (refusing any name without "bench"), migrates it and empties its
directory of imported services, writes a feed file in the shape `/openreferral/services?per_page=…` serves
(a page object whose contents are fully nested services: organisation, two locations with addresses,
coordinates and accessibility, weekly and monthly schedules, contacts with phones, languages, cost options,
funding, service areas and taxonomy terms), then imports it through the product's importer, streamed and
in batches, printing progress, the time, records a second and the process's peak memory; then imports
the same file again (every record unchanged) and prints that too.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench_import"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--services", type=int, default=18_000, help="services in the feed (default 18,000)")
    parser.add_argument("--organisations", type=int, default=600, help="organisations (default 600)")
    parser.add_argument("--again", action=argparse.BooleanOptionalAction, default=True, help="import it twice")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile statistics of the first import to FILE")
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
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _id(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "bench-import:" + ":".join(map(str, parts))))


def feed_record(n: int, organisations: int) -> dict:
    org = n % organisations
    service_id = _id("service", n)
    links = []
    for k in range(2):
        location_id = _id("location", n, k)
        links.append(
            {
                "id": _id("sal", n, k),
                "service_id": service_id,
                "location_id": location_id,
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "name": f"Community venue {n}-{k}",
                    "description": "A community building with a hall, a kitchen and a garden for families.",
                    "latitude": 52.6 + (n % 500) / 1000,
                    "longitude": -0.9 + (n % 700) / 1000,
                    "addresses": [
                        {
                            "id": _id("address", n, k),
                            "location_id": location_id,
                            "address_1": f"{n % 300 + 1} Station Road",
                            "city": "Northfield",
                            "state_province": "Northfieldshire",
                            "postal_code": "NF4 2RP",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                    "accessibility": [
                        {"id": _id("access", n, k), "location_id": location_id, "description": "Step-free access"}
                    ],
                },
            }
        )
    return {
        "id": service_id,
        "organization_id": _id("org", org),
        "name": f"Family service {n:05d}",
        "description": (
            "Support for parents and carers of children aged 0 to 19: groups, one-to-one help, advice on "
            "money, housing and health, and activities in the holidays. " * 3
        ),
        "url": f"https://services.example.org/{n}",
        "email": f"service{n}@example.org",
        "status": "active",
        "fees": "Free",
        "accreditations": "Quality mark",
        "minimum_age": n % 5,
        "maximum_age": 19 + n % 80,
        "assured_date": "2026-06-01",
        "assurer_email": "assure@example.org",
        "alert": "",
        "last_modified": "2026-06-01T09:00:00Z",
        "eligibility_description": "Families living in Northfield.",
        "application_process": "Phone or drop in; professionals can refer with the family's consent.",
        "organization": {
            "id": _id("org", org),
            "name": f"Bench organisation {org:04d}",
            "description": "A voluntary organisation supporting families across the county.",
            "email": f"org{org}@example.org",
            "website": f"https://org{org}.example.org",
        },
        "schedules": [
            {
                "id": _id("sch", n, 0),
                "service_id": service_id,
                "freq": "WEEKLY",
                "byday": "MO,WE",
                "opens_at": "09:30",
                "closes_at": "11:30",
                "description": "Mondays and Wednesdays, mornings",
            },
            {
                "id": _id("sch", n, 1),
                "service_id": service_id,
                "service_at_location_id": links[1]["id"],
                "freq": "MONTHLY",
                "byday": "1SA",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "description": "First Saturday of the month",
            },
            {
                "id": _id("sch", n, 2),
                "service_id": service_id,
                "freq": "MONTHLY",
                "bymonthday": "15",
                "opens_at": "18:00",
                "closes_at": "19:30",
                "description": "Parents' evening on the 15th",
            },
            {
                "id": _id("sch", n, 3),
                "service_id": service_id,
                "freq": "WEEKLY",
                "interval": 2,
                "byday": "FR",
                "dtstart": "2027-01-08",
                "valid_from": "2027-01-01",
                "valid_to": "2027-07-31",
                "opens_at": "13:00",
                "closes_at": "14:00",
            },
        ],
        "service_at_locations": links,
        "languages": [{"id": _id("lang", n, 0), "name": "English"}, {"id": _id("lang", n, 1), "name": "Polish"}],
        "cost_options": [{"id": _id("cost", n), "amount_description": "Free"}],
        "funding": [{"id": _id("fund", n), "source": "Northfieldshire County Council"}],
        "service_areas": [{"id": _id("area", n), "name": "Northfield"}],
        "contacts": [
            {
                "id": _id("contact", n),
                "name": "Duty worker",
                "email": f"duty{n}@example.org",
                "phones": [{"id": _id("phone", n), "number": "01632 960 123"}],
            },
            {
                "id": _id("contact", n, 1),
                "name": "Sam Okafor",
                "title": "Family worker",
                "phones": [
                    {"id": _id("phone", n, 1), "number": "01632 960 124"},
                    {"id": _id("phone", n, 2), "number": "07700 900 124"},
                ],
            },
        ],
        "attributes": [
            {
                "id": _id("attr", n, 0),
                "link_id": service_id,
                "link_type": "service",
                "taxonomy_term_id": _id("term", n % 40),
                "taxonomy_term": {
                    "id": _id("term", n % 40),
                    "name": f"Local category {n % 40}",
                    "description": "A category of the council's own vocabulary",
                    "taxonomy": "Northfield categories",
                    "taxonomy_id": _id("taxonomy"),
                },
            }
        ],
    }


def write_feed(path: Path, total: int, organisations: int) -> None:
    with path.open("w") as handle:
        handle.write(f'{{"total_items": {total}, "total_pages": 1, "page_number": 1, "size": {total}, ')
        handle.write('"first_page": true, "last_page": true, "empty": false, "contents": [')
        for n in range(total):
            if n:
                handle.write(",")
            handle.write(json.dumps(feed_record(n, organisations)))
        handle.write("]}")


def main():
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    from directory.importing.importer import import_file
    from directory.models import AgencyProfile, Location, Service

    call_command("migrate", verbosity=0)
    Service.objects.filter(name__startswith="Family service ").delete()
    Location.objects.filter(name__startswith="Community venue ").delete()
    AgencyProfile.objects.filter(agency__name__startswith="Bench organisation ").delete()

    path = Path(tempfile.mkdtemp(prefix="bench-import-")) / "feed.json"
    write_feed(path, args.services, args.organisations)
    print(
        f"Feed: {args.services:,} services of {args.organisations} organisations, "
        f"{path.stat().st_size / 1e6:.1f} MB ({path})"
    )

    for attempt in ("first import", "same feed again")[: 2 if args.again else 1]:
        started = time.perf_counter()

        def progress(done, started=started):
            elapsed = time.perf_counter() - started
            print(f"\r  {done:,} of {args.services:,} records, {elapsed:.0f} s", end="", flush=True)

        if args.profile and attempt == "first import":
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            report = profiler.runcall(import_file, path, progress=progress)
            profiler.dump_stats(args.profile)
            print()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            report = import_file(path, progress=progress)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\r{attempt}: {report.summary()}")
        print(f"  {elapsed:.1f} s, {args.services / elapsed:.0f} records/s, peak memory {peak:.0f} MB")
    path.unlink()


if __name__ == "__main__":
    main()
