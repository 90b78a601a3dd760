"""Time opening a CAF section and an autosave, at the scale of the benchmark database.

    .venv/bin/python bench/caf_pages.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench

Fill the database first with bench/generate_children.py (100,000 children). The script takes the
practitioner whose agencies work with the most children, starts a CAF for one of their children (or
reuses the open one), and then, through django.test.Client (the whole middleware, view and template
stack), times: GET of a section page, GET of an element page, GET of the task list, and the htmx
autosave POST of a section (each one a real save, with a new revision). It prints the median and 95th
percentile in milliseconds and the SQL queries per request.
"""

import argparse
import itertools

from children_pages import DEFAULT_DATABASE_URL, Timing, setup_django, time_calls


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page (default 50)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests first (default 5)")
    return parser.parse_args()


def editable_children(user, scan: int = 200):
    """Children this user may edit (additional-level coverage), in id order, among the first `scan` they see."""
    from agencies import access

    visible = access.children_visible_to(user, access.Level.ADDITIONAL, include_emergency=False)
    for candidate in visible.order_by("pk")[:scan]:
        if access.child_access(user, candidate).may_edit:
            yield candidate


def draft_caf(user, child):
    """The child's open CAF if it is a draft; otherwise (closing any other open one) a new one started by user."""
    from caf import services
    from caf.models import Assessment

    caf = Assessment.objects.open().filter(child=child).first()
    if caf is None or caf.status != Assessment.Status.DRAFT:
        if caf is not None:
            services.caf_close(actor=user, assessment=caf, reason="other", notes="Benchmark")
        caf = services.caf_start(actor=user, child=child)
    return caf


def main():
    args = parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from agencies.models import Membership, User
    from children.models import Child
    from config.current import current_via  # the project is importable once setup_django has run

    # Django empties the query log at each request start, which would make CaptureQueriesContext count 0.
    request_started.disconnect(reset_queries)
    call_command("migrate", verbosity=0)
    print(f"Children in the database: {Child.objects.count():,}")
    busiest = (
        User.objects.filter(current_via("memberships"), memberships__role=Membership.Role.PRACTITIONER)
        .annotate(
            n=Count(
                "memberships__agency__involvements",
                filter=Q(current_via("memberships__agency__involvements")),
            )
        )
        .order_by("-n")
        .first()
    )
    child = next(editable_children(busiest), None)
    assert child is not None, "no child this practitioner may edit"
    caf = draft_caf(busiest, child)
    print(f"Practitioner: {busiest.email}; child #{child.pk}; CAF #{caf.pk} version {caf.version}")

    client = Client()
    client.force_login(busiest)
    pages = {
        "task list": reverse("caf-task-list", args=[caf.pk]),
        "open a section": reverse("caf-section", args=[caf.pk, "conclusions"]),
        "open an element": reverse("caf-element", args=[caf.pk, "general-health"]),
    }
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        reset_queries()  # the log is a bounded deque: once full, a capture would count nothing
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        samples = time_calls(lambda url=url: client.get(url), args.requests, args.warmups)
        print(f"{name:<18} {Timing.of(samples, len(queries.captured_queries))}")

    autosave = reverse("caf-section-autosave", args=[caf.pk, "conclusions"])
    counter = itertools.count()
    entry = caf.entries.filter(key="conclusions").first()
    state = {"revision": entry.revision if entry else 0}

    def save():
        text = f"Benchmark conclusions, save {next(counter)}. " * 20
        response = client.post(
            autosave,
            {"revision": state["revision"], "conclusions": text},
            headers={"X-Autosave": "1", "HX-Request": "true"},
        )
        assert b"Saved at" in response.content, response.content[:300]
        state["revision"] += 1

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        save()
    samples = time_calls(save, args.requests, args.warmups)
    print(f"{'autosave':<18} {Timing.of(samples, len(queries.captured_queries))}")


if __name__ == "__main__":
    main()
