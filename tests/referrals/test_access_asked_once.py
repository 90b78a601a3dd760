"""What a user may do with a referral is worked out once a request (`access.referral_access`) and handed to
the services: answering it, or opening it, reads the user's memberships once and the child's access once,
however many guards the view and the services pass through.

The queries are the real ones the page makes against PostgreSQL, read from the connection."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies import access
from referrals import services
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def access_reads(queries, user) -> dict[str, int]:
    """What the request read to decide access: the user's own memberships, and a child annotated with the
    user's rights on it."""
    reads = {
        # A query of its own, or a subquery (aliased U0, U1...) inside another.
        "memberships": re.compile(
            rf'FROM "agencies_membership" (?:(U\d+) .*\1|.*"agencies_membership")\."user_id" = {user.pk}\b'
        ),
        "child rights": re.compile(r'AS "access_level"'),
    }
    return {what: sum(1 for query in queries if pattern.search(query["sql"])) for what, pattern in reads.items()}


ANSWERS = {
    # action: (who, the state it is taken from, the form, the state it leads to)
    "accept": ("receiving_member", "sent", {}, Referral.Status.ACCEPTED),
    "decline": ("receiving_member", "sent", {"reason": "We have no capacity this term"}, Referral.Status.DECLINED),
    "redirect": ("receiving_manager", "sent", {"reason": "Family Support can help sooner"}, Referral.Status.REDIRECTED),
    "withdraw": ("sender", "sent", {"reason": "The family would rather wait"}, Referral.Status.WITHDRAWN),
    "complete": ("receiving_member", "accepted", {"outcome": "Seen four times"}, Referral.Status.COMPLETED),
}


@pytest.mark.parametrize("action", list(ANSWERS))
def test_answering_a_referral_asks_the_access_module_once(action, client_for, referral_in, persona, family_support):
    who, state, data, leads_to = ANSWERS[action]
    referral = referral_in(state)
    user = persona(who)
    if action == "redirect":
        data = {**data, "to_agency": family_support.pk}
    client = client_for(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("referral-answer", args=[referral.pk, action]), data)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == leads_to
    # Before the referral's rights were computed once: 2 reads (the fetch, then the service's guard).
    assert access_reads(queries.captured_queries, user) == {"memberships": 1, "child rights": 0}


def test_opening_a_referral_asks_the_access_module_once(client_for, referral_in, receiving_member):
    referral = referral_in("sent")
    client = client_for(receiving_member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("referral-detail", args=[referral.pk]))

    assert response.status_code == 200
    assert response.context["may_answer"] and not response.context["may_withdraw"]
    # Before: 5 reads (the fetch; receiving? sending? the child's rights; the access event's agency).
    assert access_reads(queries.captured_queries, receiving_member) == {"memberships": 1, "child rights": 1}


def test_a_service_given_someone_elses_rights_works_them_out_again(referral_in, sender, receiving_member):
    """Rights are the user's on one referral: handed the sender's, the receiving member's answer is still theirs,
    and the sender cannot pass the receiving member's rights off as their own."""
    referral = referral_in("sent")
    senders_rights = access.referral_access(sender, referral)
    assert not senders_rights.may_answer and senders_rights.may_withdraw

    services.referral_accept(actor=receiving_member, referral=referral, rights=senders_rights)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.answered_by == receiving_member


def test_a_service_refuses_an_actor_whose_rights_do_not_allow_it(referral_in, sender, receiving_member):
    from django.core.exceptions import PermissionDenied

    referral = referral_in("sent")
    receivers_rights = access.referral_access(receiving_member, referral)
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(actor=receiving_member, referral=referral, rights=receivers_rights)
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=sender, referral=referral, rights=receivers_rights)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT
