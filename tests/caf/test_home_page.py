"""The home page ("My work") asks its counts in one query and costs the same however much there is to count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Notification
from referrals import services as referral_services

pytestmark = pytest.mark.django_db


def _notify(user, n):
    start = Notification.objects.filter(user=user).count()
    for i in range(start, start + n):
        Notification.objects.create(
            user=user, event=Notification.Event.LEAD_CHANGED, occurrence=f"bench-{i}", text=f"Note {i}", link="/"
        )


def _refer(team, n):
    for i in range(n):
        referral_services.referral_send(
            actor=team["assessor"],
            child=team["child"],
            from_agency=team["school"],
            to_agency=team["hv"],
            reason=f"Reason {i}",
        )


def _home(client, user):
    client.force_login(user)
    client.get(reverse("home"))  # the first page after signing in also writes the session's activity
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, len(queries)


def test_the_lead_sees_their_unread_notifications_and_their_agencys_referrals_counted(client, team):
    _notify(team["lead"], 2)
    _refer(team, 3)
    response, _ = _home(client, team["lead"])
    page = response.content.decode()
    unread = Notification.objects.filter(user=team["lead"], read_at__isnull=True).count()  # sending notifies too
    assert unread >= 2 and f'data-unread-notifications="{unread}"' in page and f"({unread} unread)" in page
    assert "3 referrals awaiting your agency" in page
    assert "Referral response measures" not in page  # the lead manages no agency


def test_a_manager_is_offered_the_response_measures(client, team):
    response, _ = _home(client, team["hv_manager"])
    assert "Referral response measures" in response.content.decode()


def test_someone_with_nothing_unread_is_told_so_without_asking_for_the_list(client, team):
    response, quiet = _home(client, team["outsider"])
    assert "You have no unread notifications." in response.content.decode()
    _notify(team["outsider"], 1)
    _, with_one = _home(client, team["outsider"])
    assert with_one == quiet + 1  # the five newest, asked only when there are any


def test_the_home_page_costs_the_same_however_many_notifications_and_referrals(client, team):
    _notify(team["lead"], 1)
    _refer(team, 1)
    _, once = _home(client, team["lead"])
    _notify(team["lead"], 12)
    _refer(team, 8)
    response, later = _home(client, team["lead"])
    assert later == once
    assert "9 referrals awaiting" in response.content.decode()


def test_the_lead_is_told_of_emergency_access_to_a_child_they_lead_and_others_are_not(client, team):
    response, _ = _home(client, team["lead"])
    assert "PC Emma Urgent (Northfield Police) used emergency access" in response.content.decode()
    response, _ = _home(client, team["outsider"])
    assert "used emergency access" not in response.content.decode()
