"""Who may do what with one child's record: every persona against every action, one cell per test.

Each cell is its own test (its id names the persona and the action), so a failure says exactly which
rule broke. Every page that refuses answers 404 and records the refusal; every page served records
the view.
"""

from typing import NamedTuple

import pytest
from django.urls import reverse
from django.utils.html import escape

from agencies import access
from children import services
from children.models import AccessEvent, ChildUserObjectPermission, EmergencyAccess

from .test_break_glass import _match_token

pytestmark = pytest.mark.django_db


class Row(NamedTuple):
    appear_in_list: bool
    view_basic: bool
    view_additional: bool
    edit: bool
    history: bool
    who_viewed: bool


Y, N = True, False

# fmt: off
ACCESS_TABLE = {
    #                                              list basic addl edit history who-viewed
    "lead_professional":                       Row(Y,   Y,    Y,   Y,   Y,      Y),
    "hv_colleague":                            Row(Y,   Y,    Y,   Y,   Y,      N),
    "teacher":                                 Row(Y,   Y,    Y,   Y,   Y,      N),
    "housing_officer":                         Row(Y,   Y,    N,   N,   N,      N),
    "outsider":                                Row(N,   N,    N,   N,   N,      N),
    "hv_manager":                              Row(Y,   Y,    Y,   Y,   Y,      Y),
    "platform_admin":                          Row(N,   N,    N,   N,   N,      N),
    "platform_admin_in_uninvolved_agency":     Row(N,   N,    N,   N,   N,      N),
    "emergency_practitioner":                  Row(Y,   Y,    Y,   N,   N,      N),
    "expired_emergency_practitioner":          Row(N,   N,    N,   N,   N,      N),
}
# fmt: on

ACTIONS = Row._fields

# The page each record action opens; "view_additional" reads the child's page for its additional section.
PAGES = {
    "view_basic": "child-detail",
    "view_additional": "child-detail",
    "edit": "child-edit",
    "history": "child-history",
    "who_viewed": "child-viewers",
}


def _cell(persona: str, row: Row, action: str):
    allowed = getattr(row, action)
    marks = []
    return pytest.param(persona, action, allowed, id=f"{persona}-{action}", marks=marks)


CELLS = [_cell(persona, row, action) for persona, row in ACCESS_TABLE.items() for action in ACTIONS]


@pytest.fixture
def everyone(request, child, emergency_access, expired_emergency_access):
    """The child, with both emergency accesses in place, and a way to fetch any persona by name."""
    return request.getfixturevalue


def _events_of(user):
    return list(AccessEvent.objects.filter(user=user).order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("persona, action, allowed", CELLS)
def test_each_persona_may_do_exactly_what_the_access_table_says(everyone, client_for, child, persona, action, allowed):
    user = everyone(persona)
    client = client_for(user)

    if action == "appear_in_list":
        assert access.children_visible_to(user).filter(pk=child.pk).exists() is allowed
        body = client.get(reverse("child-list")).content.decode()
        assert (child.reference in body) is allowed
        assert (child.display_name in body) is allowed
        return

    if action == "view_additional":
        assert access.child_access(user, child).may_view_additional is allowed

    before = _events_of(user)
    response = client.get(reverse(PAGES[action], args=[child.pk]))
    new_events = AccessEvent.objects.filter(user=user).exclude(pk__in=before)

    if action == "view_additional":
        # Everyone who may see additional information may open the page; the section is what differs.
        assert response.status_code == (200 if ACCESS_TABLE[persona].view_basic else 404)
        assert ("Additional information" in response.content.decode()) is allowed
        assert (child.special_requirements in response.content.decode()) is allowed
    else:
        assert response.status_code == (200 if allowed else 404)

    assert new_events.count() == 1
    event = new_events.get()
    assert event.child == child
    if response.status_code == 404:
        assert event.action == AccessEvent.Action.REFUSED
    elif persona == "emergency_practitioner":
        assert event.action == AccessEvent.Action.EMERGENCY
    else:
        assert event.action == AccessEvent.Action.VIEW


def test_a_child_who_does_not_exist_is_a_404_and_the_attempt_is_recorded(client_for, child, outsider):
    response = client_for(outsider).get(reverse("child-detail", args=[child.pk + 1000]))
    assert response.status_code == 404
    event = AccessEvent.objects.get(user=outsider)
    assert event.action == AccessEvent.Action.REFUSED and event.child is None


def test_a_refusal_is_recorded_with_the_path_and_the_agency_of_the_person_refused(
    client_for, child, outsider, unrelated_agency
):
    url = reverse("child-history", args=[child.pk])
    client_for(outsider).get(url)
    event = AccessEvent.objects.get(user=outsider)
    assert event.path == url
    assert event.agency == unrelated_agency
    assert "history" in event.what


def test_a_signed_out_visitor_is_sent_to_sign_in_and_nothing_about_the_child_is_served(client, child):
    response = client.get(reverse("child-detail", args=[child.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
    assert not AccessEvent.objects.filter(child=child).exists()


def test_the_emergency_practitioner_is_told_they_are_using_emergency_access(client_for, child, emergency_access):
    body = client_for(emergency_access.user).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert "You are seeing this record through emergency access" in body


def test_the_lead_professional_sees_who_broke_glass_and_why(client_for, child, lead_professional, emergency_access):
    body = client_for(lead_professional).get(reverse("child-detail", args=[child.pk])).content.decode()
    assert emergency_access.user.full_name in body
    assert escape(emergency_access.reason) in body
    viewers = client_for(lead_professional).get(reverse("child-viewers", args=[child.pk])).content.decode()
    assert emergency_access.user.full_name in viewers


# --- Breaking glass -------------------------------------------------------------------------------


def test_an_outsider_who_gives_a_reason_gets_emergency_access_and_it_is_recorded(client_for, child, outsider):
    client = client_for(outsider)
    assert client.get(reverse("child-detail", args=[child.pk])).status_code == 404

    reason = "Found alone at the station"
    response = client.post(reverse("emergency-access"), {"match": _match_token(client), "reason": reason})

    assert response.status_code == 302
    assert response["Location"] == child.get_absolute_url()
    grant = EmergencyAccess.objects.get(user=outsider, child=child)
    assert grant.reason == "Found alone at the station" and grant.is_active
    assert AccessEvent.objects.filter(user=outsider, child=child, action=AccessEvent.Action.EMERGENCY).exists()
    assert client.get(reverse("child-detail", args=[child.pk])).status_code == 200
    assert client.get(reverse("child-edit", args=[child.pk])).status_code == 404


# Reaching break glass, its refusals and their records: test_break_glass.py.


def test_sweeping_emergency_access_removes_only_the_grants_whose_time_has_run_out(
    child, emergency_access, expired_emergency_access
):
    def grant_holders():
        return set(
            ChildUserObjectPermission.objects.filter(
                content_object=child, permission__codename="view_child_emergency"
            ).values_list("user_id", flat=True)
        )

    assert grant_holders() == {emergency_access.user_id, expired_emergency_access.user_id}
    services.emergency_access_sweep()
    assert grant_holders() == {emergency_access.user_id}
