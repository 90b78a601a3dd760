"""Time the children list and a child's page for a busy practitioner, against the benchmark database.

    .venv/bin/python bench/children_pages.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench

Fill the database first with bench/generate_children.py. The script signs in the practitioner whose
agencies work with the most children, then requests each page through django.test.Client (the whole
middleware, view and template stack, no network) and prints the median and 95th percentile in
milliseconds and the SQL queries per request. For comparison it times the list page again with the
access filter replaced by an unfiltered queryset and with PostgreSQL's JIT compilation switched the
other way from the connection's setting, and prints EXPLAIN ANALYZE timings for the list page's
queries both ways.

It first migrates the benchmark database to the code's current schema, and it writes to it what the
pages write: a sign-in event, session updates, and an access event per view of a child's page.
"""

import argparse
import math
import os
import re
import statistics
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench"
PROJECT_APPS = ("agencies", "children", "caf", "referrals", "directory")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument("--email", help="time this practitioner instead of the one who can see the most children")
    parser.add_argument("--show-plans", action="store_true", help="print the full EXPLAIN ANALYZE plans")
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "true"  # production mode would redirect the test client to HTTPS
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"  # testserver: the test client's host
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


# --- Measuring ------------------------------------------------------------------------------------


@dataclass
class Timing:
    median: float
    p95: float
    queries: int | None = None

    @classmethod
    def of(cls, samples: list[float], queries: int | None = None) -> "Timing":
        ranked = sorted(samples)
        p95 = ranked[math.ceil(0.95 * len(ranked)) - 1]  # nearest rank
        return cls(statistics.median(ranked), p95, queries)

    def __str__(self):
        text = f"median {self.median:8.1f} ms   p95 {self.p95:8.1f} ms"
        return text if self.queries is None else f"{text}   {self.queries:3d} queries per request"


def time_calls(call, requests: int, warmups: int) -> list[float]:
    for _ in range(warmups):
        call()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def time_page(client, url: str, requests: int, warmups: int) -> tuple[Timing, list[dict]]:
    """Time GETs of a page; count its queries on one more request (recording them would skew the timing)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}, not 200")

    samples = time_calls(get, requests, warmups)
    with CaptureQueriesContext(connection) as captured:
        get()
    return Timing.of(samples, len(captured.captured_queries)), captured.captured_queries


@contextmanager
def without_access_filter():
    """Replace children_list_for, wherever the project imported it, by the same list with no access filter."""
    from children import selectors
    from children.models import Child

    original = selectors.children_list_for

    def unfiltered(user):
        return (
            Child.objects.select_related("school")
            .prefetch_related(selectors.current_leads())
            .order_by("last_name", "first_name", "pk")
        )

    holders = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in PROJECT_APPS and getattr(module, "children_list_for", None) is original
    ]
    with ExitStack() as stack:
        for module in holders:
            stack.enter_context(mock.patch.object(module, "children_list_for", unfiltered))
        yield [module.__name__ for module in holders]


def explain(sql: str) -> "Plan":
    """EXPLAIN ANALYZE a captured query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return Plan("\n".join(row[0] for row in cursor.fetchall()))


@dataclass
class Plan:
    text: str

    def ms(self, label: str) -> float:
        found = re.search(label + r".*?([\d.]+) ms", self.text, re.DOTALL)
        return float(found.group(1)) if found else 0.0

    def __str__(self):
        text = f"execution {self.ms('Execution Time:'):7.1f} ms, planning {self.ms('Planning Time:'):5.1f} ms"
        compiling = self.ms("JIT:.*?Total")
        return f"{text}, of which JIT compilation {compiling:6.1f} ms" if compiling else text


@contextmanager
def jit(setting: str):
    """Run with PostgreSQL's JIT compilation on or off for this connection (the test client keeps it open)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SET jit = {'on' if setting == 'on' else 'off'}")
    try:
        yield
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            if cursor.fetchone()[0] != setting:
                sys.exit(f"The connection was replaced during the run: the jit {setting} figures are not valid")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")  # back to the connection's own setting


# --- The practitioner -----------------------------------------------------------------------------


def busiest_practitioner(email: str | None):
    """The practitioner whose current agencies have the most current involvements (or the one named)."""
    from django.db.models import Count, Q

    from agencies.models import User
    from config.current import current_via

    if email:
        return User.objects.get(email=email)
    involvements = Count(
        "memberships__agency__involvements",
        filter=Q(current_via("memberships__agency__involvements"), current_via("memberships")),
    )
    user = User.objects.filter(is_active=True).annotate(n=involvements).order_by("-n", "pk").first()
    if user is None:
        sys.exit("The database has no practitioners: fill it first with bench/generate_children.py")
    return user


# --- Main -----------------------------------------------------------------------------------------


def row(label: str, timing: Timing) -> None:
    print(f"{label:<44}{timing}")


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from agencies import access
    from children.models import Child

    try:
        list_url = reverse("child-list")
    except NoReverseMatch:
        sys.exit("There is no 'child-list' page yet: nothing to time")
    # The pages may need tables added since the data was generated.
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        usual = cursor.fetchone()[0]
    other = "on" if usual == "off" else "off"  # for comparison
    print(f"PostgreSQL {connection.pg_version // 10000} (jit {usual}), {Child.objects.count():,} children")

    user = busiest_practitioner(args.email)
    agencies = ", ".join(str(agency) for agency in access.agencies_of(user))
    print(f"Practitioner: {user.email} ({user.full_name}), member of {agencies}")
    basic = access.children_visible_to(user).count()
    additional = access.children_visible_to(user, access.Level.ADDITIONAL).count()
    print(f"Children this practitioner can see: {basic:,} (basic), {additional:,} (additional)")
    child = access.children_visible_to(user, access.Level.ADDITIONAL).order_by("pk").first()
    if child is None:
        sys.exit("This practitioner can see no child's full record: nothing to time")
    detail_url = reverse("child-detail", args=[child.pk])
    n, warmups = args.requests, args.warmups
    print(f"\n{n} timed requests (or calls) each, after {warmups} warm-ups")

    def count():
        return access.children_visible_to(user).count()

    row("children_visible_to(user).count()", Timing.of(time_calls(count, n, warmups)))
    with jit(other):
        row(f"  the same, jit {other}", Timing.of(time_calls(count, n, warmups)))

    client = Client()
    client.force_login(user)
    filtered, list_queries = time_page(client, list_url, n, warmups)
    row(f"List page {list_url}", filtered)
    with without_access_filter() as patched:
        unfiltered, _ = time_page(client, list_url, n, warmups)
    row("  no access filter", unfiltered)
    with jit(other):
        filtered_other_jit, _ = time_page(client, list_url, n, warmups)
    row(f"  access filter, jit {other}", filtered_other_jit)
    print(f"  (the unfiltered list replaces children_list_for in {', '.join(patched)})")
    print(f"  filtered / unfiltered, medians: {filtered.median / unfiltered.median:.1f}x", end="")
    print(f" (jit {other}: {filtered_other_jit.median / unfiltered.median:.1f}x)")
    row(f"Child's page {detail_url}", time_page(client, detail_url, n, warmups)[0])

    print("\nEXPLAIN ANALYZE of the list page's queries that apply the access filter:")
    table = connection.ops.quote_name("children_involvement")
    for query in list_queries:
        if table not in query["sql"]:
            continue
        kind = "count" if query["sql"].lstrip().upper().startswith("SELECT COUNT") else "page"
        plan = explain(query["sql"])
        with jit(other):
            plan_other_jit = explain(query["sql"])
        print(f"  {kind:<5} query, jit {usual:<4} {plan}")
        print(f"  {kind:<5} query, jit {other:<4} {plan_other_jit}")
        if args.show_plans:
            print(plan.text, end="\n\n")


if __name__ == "__main__":
    main()
