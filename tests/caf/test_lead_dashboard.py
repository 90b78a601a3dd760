"""The lead professional's table on the home page: each child's current CAF, how many of its actions are
overdue (open and past due, as Action.is_overdue) and the next review date of its latest review."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caf import selectors, services
from caf.models import Action, Review

pytestmark = pytest.mark.django_db


def _action(caf, team, status, due_in):
    return Action.objects.create(
        assessment=caf,
        need="A need",
        what=f"{status} due in {due_in}",
        why_for_owner="Why",
        owner_agency=team["school"],
        due_on=timezone.localdate() + timedelta(days=due_in),
        desired_outcome="An outcome",
        ecm_aim="1:1",
        status=status,
    )


def _review(caf, team, held_days_ago, next_in):
    today = timezone.localdate()
    return Review.objects.create(
        assessment=caf,
        held_on=today - timedelta(days=held_days_ago),
        progress="Some",
        recorded_by=team["lead"],
        next_review_on=today + timedelta(days=next_in) if next_in is not None else None,
    )


def _row(team):
    [row] = selectors.lead_dashboard(team["lead"])
    return row


def test_the_lead_sees_overdue_actions_and_the_latest_reviews_next_date(team):
    row = _row(team)
    assert row["child"] == team["child"] and row["caf"] is None
    assert (row["overdue"], row["next_review"], row["review_overdue"]) == (0, None, False)

    caf = services.caf_start(actor=team["assessor"], child=team["child"])
    _action(caf, team, Action.Status.NOT_STARTED, -3)  # overdue
    _action(caf, team, Action.Status.IN_PROGRESS, -1)  # overdue
    _action(caf, team, Action.Status.IN_PROGRESS, 0)  # due today: not yet overdue
    _action(caf, team, Action.Status.NOT_STARTED, 5)
    _action(caf, team, Action.Status.DONE, -10)  # done: never overdue
    row = _row(team)
    assert row["caf"] == caf
    assert row["overdue"] == len([a for a in caf.actions.all() if a.is_overdue]) == 2
    assert (row["next_review"], row["review_overdue"]) == (None, False)

    _review(caf, team, held_days_ago=40, next_in=30)  # an older meeting's date does not count
    latest = _review(caf, team, held_days_ago=10, next_in=-2)
    row = _row(team)
    assert (row["next_review"], row["review_overdue"]) == (latest.next_review_on, True)
    _review(caf, team, held_days_ago=1, next_in=None)  # the latest meeting set no date
    assert (_row(team)["next_review"], _row(team)["review_overdue"]) == (None, False)


def test_the_lead_dashboard_costs_the_same_however_many_actions_and_reviews(team):
    caf = services.caf_start(actor=team["assessor"], child=team["child"])
    _action(caf, team, Action.Status.NOT_STARTED, -3)
    _review(caf, team, held_days_ago=10, next_in=5)
    with CaptureQueriesContext(connection) as once:
        selectors.lead_dashboard(team["lead"])
    for days in range(1, 20):
        _action(caf, team, Action.Status.IN_PROGRESS, -days)
        _review(caf, team, held_days_ago=10 + days, next_in=days)
    with CaptureQueriesContext(connection) as later:
        row = _row(team)
    assert len(later) == len(once)
    assert row["overdue"] == 20
