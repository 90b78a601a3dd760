"""Break glass is reached only from a child index match, answers the same whether or not a child exists,
and records every attempt.

The leak this guards against: a POST without a reason to /children/<id>/emergency-access/ answered 200
for an existing child and 404 for a missing one (ids are sequential, so anyone could count the
children), and recorded nothing.
"""

import re

import pytest
from django.urls import reverse

from children.models import AccessEvent, Child, EmergencyAccess

from .conftest import CHILD_LAST_NAME

pytestmark = pytest.mark.django_db


def _page(response) -> tuple[int, str]:
    """A response as its reader sees it: the per-response CSRF token and script nonce left out."""
    body = re.sub(r'(value|nonce|content)="[A-Za-z0-9_-]{20,}"', "", response.content.decode())
    return response.status_code, body


def _match_token(client, last_name=CHILD_LAST_NAME, first_name="Keziah"):
    """Search the index as a practitioner would, and read the emergency-access token of the first match."""
    page = client.post(reverse("child-search"), {"first_name": first_name, "last_name": last_name}).content.decode()
    tokens = re.findall(r'name="match" value="([^"]+)"', page)
    return tokens[0] if tokens else None


def test_the_old_address_answers_the_same_for_an_existing_and_a_missing_child(client_for, child, outsider):
    client = client_for(outsider)
    missing = Child.objects.order_by("-pk").first().pk + 1000
    answers = []
    for child_id in (child.pk, missing):
        for data in ({}, {"reason": "Found alone at the station"}):
            response = client.post(f"/children/{child_id}/emergency-access/", data)
            answers.append(_page(response))
    assert len(set(answers)) == 1
    assert answers[0][0] == 404
    assert not EmergencyAccess.objects.exists()
    # Every attempt is on the record, as a refusal by this user.
    assert AccessEvent.objects.filter(user=outsider, action=AccessEvent.Action.REFUSED).count() == 4


def test_emergency_access_is_reached_from_an_index_match_and_recorded(client_for, child, outsider):
    client = client_for(outsider)
    token = _match_token(client)
    assert token

    asked = client.post(reverse("emergency-access"), {"match": token})
    assert asked.status_code == 200
    assert "Why do you need emergency access" in asked.content.decode()
    assert CHILD_LAST_NAME not in asked.content.decode()

    no_reason = client.post(reverse("emergency-access"), {"match": token, "reason": "  "})
    assert no_reason.status_code == 200
    assert "Enter why you need emergency access" in no_reason.content.decode()
    assert not EmergencyAccess.objects.exists()

    granted = client.post(reverse("emergency-access"), {"match": token, "reason": "Found alone at the station"})
    assert granted.status_code == 302 and granted["Location"] == child.get_absolute_url()
    assert EmergencyAccess.objects.get(user=outsider, child=child).reason == "Found alone at the station"
    events = AccessEvent.objects.filter(user=outsider, child=child)
    assert events.filter(action=AccessEvent.Action.EMERGENCY).exists()
    # The two attempts that were not granted are recorded too.
    assert events.filter(action=AccessEvent.Action.REFUSED).count() == 2


def test_a_forged_or_someone_elses_token_is_refused_like_a_missing_child(client_for, child, outsider, teacher):
    token = _match_token(client_for(teacher), first_name="Keziah")  # visible to the teacher: no token offered
    assert token is None
    other = client_for(outsider)
    theirs = _match_token(other)
    client = client_for(teacher)
    forged = client.post(reverse("emergency-access"), {"match": "1:forged", "reason": "Curious"})
    stolen = client.post(reverse("emergency-access"), {"match": theirs, "reason": "Curious"})
    nothing = client.post(reverse("emergency-access"), {"reason": "Curious"})
    assert forged.status_code == 404
    assert _page(forged) == _page(stolen) == _page(nothing)
    assert not EmergencyAccess.objects.exists()
    assert AccessEvent.objects.filter(user=teacher, action=AccessEvent.Action.REFUSED).count() == 3


def test_someone_in_no_agency_cannot_break_glass_and_the_attempt_is_recorded(client_for, child, platform_admin):
    client = client_for(platform_admin)
    token = _match_token(client)
    response = client.post(reverse("emergency-access"), {"match": token, "reason": "Curious"})
    assert response.status_code == 404
    assert not EmergencyAccess.objects.exists()
    assert AccessEvent.objects.filter(user=platform_admin, action=AccessEvent.Action.REFUSED).exists()


def test_emergency_access_cannot_be_opened_with_get(client_for, child, outsider):
    assert client_for(outsider).get(reverse("emergency-access")).status_code == 405
