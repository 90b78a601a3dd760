"""The Carter demo keeps to the rules: housing, whose consent covers basic details only, owns its overdue
action on Wayne's plan and sees it."""

import pytest
from django.urls import reverse

from agencies import demo
from agencies.models import Notification, User
from caf import demo as caf_demo
from caf.models import Action
from children import demo as children_demo

pytestmark = pytest.mark.django_db


def test_the_housing_officer_owns_the_overdue_action_on_waynes_plan_and_sees_it(client):
    demo.load()
    children_demo.load()
    caf_demo.load()
    mark = User.objects.get(full_name="Mark Evans")
    action = Action.objects.get(owner=mark)
    assert action.is_overdue and action.assessment.child.first_name == "Wayne"
    assert action.why_for_owner
    assert Notification.objects.filter(user=mark, event="action_overdue").count() == 1
    client.force_login(mark)
    home = client.get(reverse("home")).content.decode()
    assert "You have no actions" not in home
    assert reverse("action-detail", args=[action.pk]) in home
    page = client.get(reverse("action-detail", args=[action.pk]))
    assert page.status_code == 200 and action.why_for_owner in page.content.decode().replace("&#x27;", "'")
    assert client.get(reverse("caf-plan", args=[action.assessment_id])).status_code == 404  # no CAF for housing
    # The lead professional (the health visitor) sees which action is overdue.
    client.force_login(User.objects.get(full_name="Sarah Hughes"))
    assert reverse("action-detail", args=[action.pk]) in client.get(reverse("home")).content.decode()
