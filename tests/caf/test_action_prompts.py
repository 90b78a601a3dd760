"""Due and overdue actions and coming reviews prompt the people who must act, each exactly once: an owner
is told when an action is given to them, the owner and the lead professional when it becomes overdue, the
lead and the team when a review is due within three working days."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Notification
from caf import services, tasks
from caf.models import Action
from referrals.services import add_working_days

from ..factories import member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team):
    team["housing_agency"] = team["housing"].memberships.get().agency
    team["housing_manager"] = member_of(team["housing_agency"], Membership.Role.MANAGER, full_name="Rachel Manager")
    team["housing_colleague"] = member_of(team["housing_agency"], full_name="Hugo Housingcolleague")
    return team


@pytest.fixture
def caf(people):
    return services.caf_start(actor=people["assessor"], child=people["child"])


def _action(people, caf, owner, agency=None, due_in=14, what="Assess the family for settled accommodation"):
    return services.action_save(
        actor=people["lead"],
        action=Action(
            assessment=caf,
            need="Overcrowding",
            what=what,
            why_for_owner="Five people share a two-bedroom flat.",
            owner=owner,
            owner_agency=agency or people["housing_agency"],
            due_on=timezone.localdate() + timedelta(days=due_in),
            desired_outcome="A suitable home",
            ecm_aim="5:3",
        ),
    )


def _notified(event, **filters):
    return sorted(n.user.full_name for n in Notification.objects.filter(event=event, **filters).select_related("user"))


def _make_overdue(action, days=2):
    action.due_on = timezone.localdate() - timedelta(days=days)
    action.save()
    return action


# --- An action given --------------------------------------------------------------------------------------


def test_the_owner_is_told_when_an_action_is_given_to_them_and_not_again_when_it_is_edited(people, caf):
    action = _action(people, caf, people["housing"])
    note = Notification.objects.get(event="action_assigned")
    assert note.user == people["housing"] and note.link == reverse("action-detail", args=[action.pk])
    assert "Assess the family for settled accommodation" in note.text and "Wayne Carter" in note.text
    action.what = "Assess the family for a three-bedroom home"
    services.action_save(actor=people["lead"], action=action)
    assert Notification.objects.filter(event="action_assigned").count() == 1


def test_an_action_given_to_an_agency_tells_its_managers_and_a_manager_giving_it_tells_the_member(people, caf):
    action = _action(people, caf, None)
    assert _notified("action_assigned") == ["Rachel Manager"]
    services.action_assign(actor=people["housing_manager"], action=action, owner=people["housing_colleague"])
    assert _notified("action_assigned", user=people["housing_colleague"]) == ["Hugo Housingcolleague"]
    services.action_assign(actor=people["housing_manager"], action=action, owner=people["housing"])
    services.action_assign(actor=people["housing_manager"], action=action, owner=people["housing_colleague"])
    # Given back to Hugo: a new occurrence, so he is told again; giving it to whoever has it tells nobody.
    assert len(_notified("action_assigned", user=people["housing_colleague"])) == 2
    services.action_assign(actor=people["housing_manager"], action=action, owner=people["housing_colleague"])
    assert len(_notified("action_assigned", user=people["housing_colleague"])) == 2


def test_nobody_is_told_of_an_assignment_that_was_refused(people, caf):
    action = _action(people, caf, None)
    Notification.objects.all().delete()
    with pytest.raises(ValidationError):
        services.action_assign(actor=people["housing_manager"], action=action, owner=people["outsider"])
    assert not Notification.objects.exists()


# --- An action overdue ------------------------------------------------------------------------------------


def test_the_owner_and_the_lead_are_told_once_when_an_action_becomes_overdue(people, caf):
    action = _make_overdue(_action(people, caf, people["housing"]))
    _action(people, caf, people["assessor"], agency=people["school"], what="Breakfast club")  # not due yet
    assert tasks.notify_overdue_actions.apply().get() == 1
    assert _notified("action_overdue") == ["Mark Housing", "Sarah Lead"]
    note = Notification.objects.filter(event="action_overdue").first()
    assert note.link == reverse("action-detail", args=[action.pk]) and "Action overdue" in note.text
    for _ in range(3):  # beat runs again, and again
        assert tasks.notify_overdue_actions.apply().get() == 0
    assert Notification.objects.filter(event="action_overdue").count() == 2


def test_an_action_overdue_again_after_a_new_due_date_is_told_again(people, caf):
    action = _make_overdue(_action(people, caf, people["housing"]))
    services.actions_overdue_notify()
    action.due_on = timezone.localdate() + timedelta(days=3)
    services.action_save(actor=people["lead"], action=action)
    assert services.actions_overdue_notify() == 0
    assert services.actions_overdue_notify(today=timezone.localdate() + timedelta(days=4)) == 1
    assert Notification.objects.filter(event="action_overdue", user=people["housing"]).count() == 2


def test_an_overdue_action_of_an_agency_as_a_whole_tells_its_managers(people, caf):
    _make_overdue(_action(people, caf, None))
    services.actions_overdue_notify()
    assert _notified("action_overdue") == ["Rachel Manager", "Sarah Lead"]


def test_finished_actions_and_closed_plans_prompt_nobody(people, caf):
    done = _make_overdue(_action(people, caf, people["housing"]))
    services.action_progress(actor=people["housing"], action=done, status="done", note="")
    assert services.actions_overdue_notify() == 0
    _make_overdue(_action(people, caf, people["housing"], what="Second"))
    services.caf_close(actor=people["lead"], assessment=caf, reason="needs_met", notes="")
    assert services.actions_overdue_notify() == 0
    assert not Notification.objects.filter(event="action_overdue").exists()


def test_an_owner_who_may_no_longer_open_the_action_is_not_told_of_it(people, caf):
    _make_overdue(_action(people, caf, people["housing"]))
    Membership.objects.filter(user=people["housing"]).update(ended_on=timezone.localdate())
    services.actions_overdue_notify()
    assert _notified("action_overdue") == ["Sarah Lead"]


def test_the_overdue_sweep_costs_a_few_queries_however_many_actions_were_notified_before(
    people, caf, django_assert_max_num_queries
):
    for number in range(30):
        _make_overdue(_action(people, caf, people["housing"], what=f"Action {number}"))
    services.actions_overdue_notify()
    with django_assert_max_num_queries(6):
        assert services.actions_overdue_notify() == 0


# --- A review coming up -----------------------------------------------------------------------------------


def _review(people, caf, next_review_on, held_on=None):
    return services.review_record(
        actor=people["lead"],
        assessment=caf,
        practitioners=[people["assessor"]],
        held_on=held_on or timezone.localdate(),
        progress="Going well",
        next_review_on=next_review_on,
    )


def test_the_lead_and_the_team_are_told_once_three_working_days_before_the_review(people, caf):
    today = timezone.localdate()
    _action(people, caf, people["housing"])  # the owner of an open action is part of the team to tell
    review_on = add_working_days(today, 5)
    _review(people, caf, next_review_on=review_on)
    assert tasks.notify_reviews_due.apply().get() == 0  # five working days away: not yet
    day = today
    while add_working_days(day, 3) < review_on:
        day += timedelta(days=1)
    assert services.reviews_due_notify(today=day) == 1
    # The lead professional (also the practitioner named on the record) and the action's owner.
    assert _notified("review_due") == ["Mark Housing", "Sarah Lead"]
    for later in (day, day + timedelta(days=1)):
        assert services.reviews_due_notify(today=later) == 0
    assert Notification.objects.filter(event="review_due").count() == 2
    note = Notification.objects.filter(event="review_due").first()
    assert note.link == people["child"].get_absolute_url() and "Wayne Carter" in note.text


def test_working_days_skip_weekends_and_bank_holidays_for_the_review_prompt(people, caf):
    # Christmas 2026: Friday 25 and Monday 28 December are bank holidays in England.
    thursday = date(2026, 12, 24)
    assert add_working_days(thursday, 3) == date(2026, 12, 31)
    review = _review(people, caf, next_review_on=date(2026, 12, 31), held_on=timezone.localdate())
    assert review.next_review_on == date(2026, 12, 31)
    assert services.reviews_due_notify(today=date(2026, 12, 23)) == 0  # four working days before
    assert services.reviews_due_notify(today=thursday) == 1


def test_only_the_latest_review_of_an_open_caf_prompts(people, caf):
    today = timezone.localdate()
    caf.started_at = timezone.now() - timedelta(days=10)
    caf.save()
    _review(people, caf, next_review_on=add_working_days(today, 2), held_on=today - timedelta(days=1))
    _review(people, caf, next_review_on=today + timedelta(days=40), held_on=today)  # rearranged at a meeting
    assert services.reviews_due_notify(today=today) == 0
    assert not Notification.objects.filter(event="review_due").exists()


def test_beat_runs_the_prompts(people):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"caf.notify_overdue_actions", "caf.notify_reviews_due"} <= tasks_scheduled
