"""Every page that names children writes one access event listing them, as the child index search does:
the children list, "My work" and the referral inbox (issue 15)."""

import pytest
from django.urls import reverse

from children.models import AccessEvent
from referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("load_demo_data", verbosity=0)


def _user(email):
    from agencies.models import User

    return User.objects.get(email=email)


def _latest_list_event(user):
    return AccessEvent.objects.filter(user=user, action=AccessEvent.Action.LIST).latest("at")


def test_the_children_list_records_the_children_it_showed(demo, client):
    user = _user("health.visitor@northfield-health.example.org")
    client.force_login(user)
    response = client.get(reverse("child-list"))
    assert response.status_code == 200
    event = _latest_list_event(user)
    assert event.children_shown and all(str(pk) in response.content.decode() for pk in event.children_shown)
    assert event.request_id == response["X-Request-ID"]
    assert AccessEvent.objects.filter(user=user, action=AccessEvent.Action.LIST).count() == 1  # one row a view


def test_my_work_records_the_children_it_named(demo, client):
    user = _user("health.visitor@northfield-health.example.org")  # the Carters' lead professional
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    event = _latest_list_event(user)
    assert event.what == "My work"
    body = response.content.decode()
    from children.models import Child

    for child in Child.objects.filter(pk__in=event.children_shown):
        assert child.first_name in body


def test_the_inbox_records_the_children_its_referrals_name(demo, client):
    referral = Referral.objects.select_related("to_agency").first()
    assert referral is not None
    manager = referral.to_agency.memberships.filter(role="manager", ended_on__isnull=True).first().user
    client.force_login(manager)
    tab = {"sent": "awaiting", "accepted": "accepted"}.get(referral.status, "closed")
    response = client.get(reverse("referral-inbox"), {"agency": referral.to_agency_id, "tab": tab})
    assert response.status_code == 200
    event = _latest_list_event(manager)
    assert referral.child_id in event.children_shown


def test_a_page_that_names_no_child_writes_no_event(demo, client):
    user = _user("camhs.practitioner@northfield-health.example.org")  # sees none of the Carters
    client.force_login(user)
    assert client.get(reverse("child-list")).status_code == 200
    assert not AccessEvent.objects.filter(user=user, action=AccessEvent.Action.LIST).exists()
