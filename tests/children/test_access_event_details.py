"""An access event says who looked, from where, with what, in which capacity, and which request it was, so
an audit row can be joined to the request's log lines."""

import pytest
from django.urls import reverse

from children.models import AccessEvent

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def test_a_view_of_a_record_is_recorded_with_its_request_address_and_browser(client_for, lead_professional, child):
    client = client_for(lead_professional)
    response = client.get(reverse("child-detail", args=[child.pk]), HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 200
    event = AccessEvent.objects.filter(user=lead_professional, child=child, action="view").latest("at")
    assert event.request_id == response["X-Request-ID"]
    assert event.user_agent == FIREFOX
    assert event.ip_address == "203.0.113.20"


def test_a_refusal_is_recorded_with_its_request_too(client_for, outsider, child):
    response = client_for(outsider).get(reverse("child-detail", args=[child.pk]))
    assert response.status_code == 404
    event = AccessEvent.objects.get(user=outsider, action="refused")
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    ("persona", "role"),
    [("lead_professional", "lead"), ("hv_manager", "manager"), ("teacher", "practitioner")],
)
def test_each_view_says_in_which_capacity_the_user_looked(request, client_for, child, persona, role):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("child-detail", args=[child.pk])).status_code == 200
    assert AccessEvent.objects.filter(user=user, child=child, action="view").latest("at").role == role


def test_an_emergency_view_says_so(client_for, child, emergency_practitioner, emergency_access):
    assert client_for(emergency_practitioner).get(reverse("child-detail", args=[child.pk])).status_code == 200
    event = AccessEvent.objects.filter(user=emergency_practitioner, child=child).latest("at")
    assert event.role == "emergency"
