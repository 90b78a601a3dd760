"""Time an agency's referrals inbox when the area holds 300,000 referrals and the agency 10,000 of them.

    .venv/bin/python bench/referral_inbox.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_referrals

On first run (or with --reset) it creates the database (its name must contain "bench"), migrates it and
fills it with synthetic data, all made with bulk_create in batches (which skips save() and signals):
agencies (each with its Group), practitioners and their memberships (and group membership), children
(with the phonetic keys Child.save() would compute), and 300,000 referrals among them in mixed states.
Two agencies are the ones timed: one receives exactly --busy referrals (10,000) and the other --small
(1,000), with the same mix of states; each has a practitioner who belongs to it alone. The synthetic
referrals have no disclosure, no notifications, no emails, no redirect links and no history rows: they are
benchmark data that nobody sent. A later run reuses the data.

Then it signs each practitioner in with django.test.Client.force_login and times their inbox, the
"awaiting" and the "closed" tabs (GET /referrals/inbox/?agency=<id>&tab=<tab>, the whole middleware,
view and template stack, no network), printing the median and 95th percentile in milliseconds and the
SQL queries per request, and checks that the query count is the same for 1,000 and 10,000 referrals.
Under each tab it also times the page's two main queries alone (the tab's first page, 51 rows with
select_related, and the counts of every tab), to show how much of the request is SQL.
"""

import argparse
import random
import sys
import time
import uuid
from datetime import timedelta

from children_pages import Timing, setup_django, time_calls
from generate_children import FIRST_NAMES, LAST_NAMES, name_key_fields, prepare_database, reference_for

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench_referrals"
BATCH = 10_000
BUSY_NAME = "Bench CAMHS (busy inbox)"
SMALL_NAME = "Bench Family Support (small inbox)"
BUSY_EMAIL = "busy-inbox@bench.invalid"
SMALL_EMAIL = "small-inbox@bench.invalid"
# The states of the referrals and how common each is (the same mix for every agency).
STATE_MIX = [("sent", 30), ("accepted", 20), ("declined", 15), ("redirected", 10), ("withdrawn", 5), ("completed", 20)]
TABS = ("awaiting", "closed")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--referrals", type=int, default=300_000, help="referrals in the area (default 300,000)")
    parser.add_argument("--busy", type=int, default=10_000, help="referrals to the busy agency (default 10,000)")
    parser.add_argument("--small", type=int, default=1_000, help="referrals to the small agency (default 1,000)")
    parser.add_argument("--children", type=int, default=3_000)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--practitioners", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="drop the database and generate the data again")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests first (default 5)")
    args = parser.parse_args()
    if args.busy + args.small > args.referrals:
        parser.error("--referrals must be at least --busy plus --small")
    return args


# --- Generating the data --------------------------------------------------------------------------


def generate(args) -> None:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies.models import Agency, Membership, User
    from children.models import Child
    from referrals.models import Referral

    rng = random.Random(args.seed)
    started = time.perf_counter()
    kinds = [kind for kind, _ in Agency.Kind.choices]
    with transaction.atomic():
        groups = Group.objects.bulk_create([Group(name=f"agency-{uuid.uuid4()}") for _ in range(args.agencies)])
        names = [BUSY_NAME, SMALL_NAME] + [f"Bench agency {i:04d}" for i in range(1, args.agencies - 1)]
        agencies = Agency.objects.bulk_create(
            [
                Agency(
                    name=name,
                    kind=Agency.Kind.CAMHS if name == BUSY_NAME else kinds[i % len(kinds)],
                    sector=Agency.Sector.STATUTORY,
                    email=f"agency{i:04d}@bench.invalid",
                    group=group,
                )
                for i, (name, group) in enumerate(zip(names, groups, strict=True))
            ]
        )
        busy, small, others = agencies[0], agencies[1], agencies[2:]
        password = make_password("benchmark-password-not-secret")
        emails = [BUSY_EMAIL, SMALL_EMAIL] + [
            f"referrer{n:05d}@bench.invalid" for n in range(1, args.practitioners - 1)
        ]
        users = User.objects.bulk_create(
            [
                User(email=email, full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", password=password)
                for email in emails
            ],
            batch_size=BATCH,
        )
        # The two timed practitioners belong to their agency alone; everyone else to one agency, at random,
        # after every agency has one member.
        homes = [busy, small] + others + [rng.choice(agencies) for _ in users[len(agencies) :]]
        memberships = Membership.objects.bulk_create(
            [
                Membership(
                    agency=agency,
                    user=user,
                    role=Membership.Role.MANAGER if rng.random() < 0.1 else Membership.Role.PRACTITIONER,
                )
                for agency, user in zip(homes, users, strict=True)
            ],
            batch_size=BATCH,
        )
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=m.user_id, group_id=m.agency.group_id) for m in memberships],
            batch_size=BATCH,
        )
        members = {agency.pk: [] for agency in agencies}
        for m in memberships:
            members[m.agency_id].append(m.user_id)

        children = []
        for n in range(args.children):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            recorder = rng.choice(others)
            children.append(
                Child(
                    reference=reference_for(n),
                    first_name=first,
                    last_name=last,
                    date_of_birth=timezone.localdate() - timedelta(days=rng.randint(200, 6000)),
                    recording_agency=recorder,
                    created_by_id=members[recorder.pk][0],
                    **name_key_fields(first, last, ""),
                )
            )
        children = Child.objects.bulk_create(children, batch_size=BATCH)
    print(f"  {len(agencies):,} agencies, {len(users):,} practitioners, {len(children):,} children")

    now = timezone.now()
    targets = [busy] * args.busy + [small] * args.small
    targets += [rng.choice(others) for _ in range(args.referrals - len(targets))]
    rng.shuffle(targets)
    for start in range(0, len(targets), BATCH):
        batch = synthetic_referrals(rng, targets[start : start + BATCH], others, members, children, now)
        with transaction.atomic():
            Referral.objects.bulk_create(batch, batch_size=BATCH)
        print(f"  {start + len(batch):,} referrals", end="\r", flush=True)
    print()
    from agencies import access

    print(f"  {access.rebuild_coverage():,} coverage rows (what the access rule gives, set-based)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Generated in {time.perf_counter() - started:.0f} s")


def synthetic_referrals(rng, to_agencies, senders, members, children, now) -> list:
    """Unsaved referrals, one to each of `to_agencies`, from a random other agency of `senders` (by one of
    its `members`, agency id -> [user id]) about a random one of `children`, in the STATE_MIX of states,
    sent within the year before `now`. No disclosure, notification, email or history: nobody sent them."""
    from referrals.models import Referral

    states = [state for state, share in STATE_MIX for _ in range(share)]
    batch = []
    for to_agency in to_agencies:
        from_agency = rng.choice(senders)
        while from_agency.pk == to_agency.pk:
            from_agency = rng.choice(senders)
        status = rng.choice(states)
        sent_at = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        answered = status in ("accepted", "declined", "redirected", "completed")
        answered_at = sent_at + timedelta(hours=rng.randint(1, 240)) if answered else None
        closed_at = None
        if status in ("declined", "redirected"):
            closed_at = answered_at
        elif status in ("withdrawn", "completed"):
            closed_at = sent_at + timedelta(hours=rng.randint(241, 2000))
        batch.append(
            Referral(
                child=rng.choice(children),
                from_agency=from_agency,
                from_user_id=rng.choice(members[from_agency.pk]),
                to_agency=to_agency,
                reason="Synthetic benchmark referral: the child's needs and why this agency",
                urgency="urgent" if rng.random() < 0.15 else "routine",
                status=status,
                sent_at=sent_at,
                respond_by=(sent_at + timedelta(days=14)).date(),
                answered_at=answered_at,
                answered_by_id=rng.choice(members[to_agency.pk]) if answered else None,
                answer_reason="Synthetic reason" if status in ("declined", "redirected", "withdrawn") else "",
                outcome="Synthetic outcome" if status == "completed" else "",
                closed_at=closed_at,
                created_at=sent_at,
            )
        )
    return batch


# --- Timing ---------------------------------------------------------------------------------------


def inbox_rows(body: bytes) -> int:
    return body.count(b'<tr class="govuk-table__row">') - 1  # less the header row


def main() -> None:
    args = parse_args()
    prepare_database(args.database_url, args.reset)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from agencies.models import Agency, User
    from referrals import selectors, views
    from referrals.models import Referral

    # Django empties the query log at each request start, which would make CaptureQueriesContext count 0.
    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0, interactive=False)
    if not Referral.objects.exists():
        print(f"Generating {args.referrals:,} referrals (bulk_create, synthetic)")
        generate(args)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    print(
        f"PostgreSQL {connection.pg_version // 10000} (jit {jit}): {Referral.objects.count():,} referrals, "
        f"{Agency.objects.count():,} agencies"
    )
    print(f"{args.requests} timed requests per page, after {args.warmups} warm-ups\n")

    queries = {}
    for name, email in ((SMALL_NAME, SMALL_EMAIL), (BUSY_NAME, BUSY_EMAIL)):
        agency = Agency.objects.get(name=name)
        user = User.objects.get(email=email)
        counts = selectors.inbox_counts([agency.pk])
        total = Referral.objects.filter(to_agency=agency).count()
        print(f"{name}: {total:,} referrals; awaiting {counts['awaiting']:,}, closed {counts['closed']:,}")
        client = Client()
        client.force_login(user)
        for tab in TABS:
            url = f"{reverse('referral-inbox')}?agency={agency.pk}&tab={tab}"

            def get(url=url, client=client):
                response = client.get(url)
                if response.status_code != 200:
                    sys.exit(f"GET {url} answered {response.status_code}, not 200")
                return response

            rows = inbox_rows(get().content)
            reset_queries()  # the log is a bounded deque: once full, a capture would count nothing
            with CaptureQueriesContext(connection) as captured:
                get()
            queries[(total, tab)] = len(captured.captured_queries)
            timing = Timing.of(time_calls(get, args.requests, args.warmups), len(captured.captured_queries))
            print(f"  tab={tab:<9} {rows:3d} rows shown   {timing}")

            def sql_only(agency=agency, tab=tab):
                list(selectors.inbox(agency, tab)[: views.INBOX_PAGE_SIZE + 1])
                selectors.inbox_counts([agency.pk])

            print(f"    its two main queries alone    {Timing.of(time_calls(sql_only, args.requests, args.warmups))}")

    print()
    sizes = sorted({total for total, _ in queries})
    for tab in TABS:
        by_size = ", ".join(f"{queries[(size, tab)]} with {size:,}" for size in sizes)
        same = len({queries[(size, tab)] for size in sizes}) == 1
        print(f"Queries per request, tab={tab}: {by_size}: {'the same' if same else 'NOT the same'}")
    if any(len({queries[(size, tab)] for size in sizes}) != 1 for tab in TABS):
        sys.exit("The query count depends on the size of the inbox")


if __name__ == "__main__":
    main()
