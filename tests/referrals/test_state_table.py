"""Who may answer, withdraw or complete a referral, and from which state: every state against every
action against every persona, one cell per test.

A cell's id names the state, the action and the persona, so a failure says exactly which rule broke.
An action that is allowed is done and says so; an action refused changes nothing at all: not the
status, not who answered, no new referral (a redirect's onward one) and no new notification. A
persona with no part in the referral is told it does not exist (404); the sending agency doing the
receiving agency's part, or the other way round, is refused the same way; the right side acting in
the wrong state is sent back to the referral and told what already happened.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agencies.models import Notification
from children.models import AccessEvent, Involvement
from referrals import services
from referrals.models import Referral

from .conftest import PERSONAS, STATES

pytestmark = pytest.mark.django_db

SENDERS = {"sender", "sender_colleague"}
RECEIVERS = {"receiving_member", "receiving_manager"}
STRANGERS = {"third_agency_practitioner", "outsider"}

# fmt: off
# action:      (who may take it, the only state it may be taken from, the state it leads to)
RULES = {
    "accept":   (RECEIVERS, "sent",     "accepted"),
    "decline":  (RECEIVERS, "sent",     "declined"),
    "redirect": (RECEIVERS, "sent",     "redirected"),
    "withdraw": (SENDERS,   "sent",     "withdrawn"),
    "complete": (RECEIVERS, "accepted", "completed"),
}
# fmt: on

DONE, ALREADY, NOT_FOUND = "done", "already", "404"


def expected(state: str, action: str, persona: str) -> str:
    side, from_state, _ = RULES[action]
    if persona not in side:
        return NOT_FOUND
    return DONE if state == from_state else ALREADY


CELLS = [
    pytest.param(state, action, persona, expected(state, action, persona), id=f"{state}-{action}-{persona}")
    for state in STATES
    for action in RULES
    for persona in PERSONAS
]


def post_data(action: str, family_support) -> dict:
    return {
        "accept": {},
        "decline": {"reason": "We have no capacity this term"},
        "redirect": {"to_agency": family_support.pk, "reason": "Family Support can help sooner"},
        "withdraw": {"reason": "The family would rather wait"},
        "complete": {"outcome": "Seen four times; discharged with a plan"},
    }[action]


def snapshot(referral: Referral) -> dict:
    """Everything a refused action must leave as it was."""
    row = Referral.objects.filter(pk=referral.pk).values(
        "status", "answered_by", "answered_at", "answer_reason", "closed_at", "outcome"
    )[0]
    return {
        **row,
        "referrals": Referral.objects.count(),
        "notifications": Notification.objects.count(),
        "involvements": Involvement.objects.count(),
        "history": Referral.history.filter(id=referral.pk).count(),
    }


@pytest.mark.parametrize("state, action, who, outcome", CELLS)
def test_each_persona_may_act_on_a_referral_exactly_when_the_rules_say(
    client_for, referral_in, persona, family_support, state, action, who, outcome
):
    referral = referral_in(state)
    user = persona(who)
    before = snapshot(referral)

    response = client_for(user).post(
        reverse("referral-answer", args=[referral.pk, action]), post_data(action, family_support)
    )

    if outcome == NOT_FOUND:
        assert response.status_code == 404
        assert snapshot(referral) == before
        return

    assert response.status_code == 302
    assert response["Location"] == referral.get_absolute_url()
    [message] = get_messages(response.wsgi_request)
    referral.refresh_from_db()

    if outcome == ALREADY:
        assert message.level_tag == "error"
        if state == "sent":  # only "complete" can be refused while awaiting an answer
            assert str(message).startswith("This referral has not been accepted yet")
        else:
            assert str(message).startswith("This referral has already been ")
            assert referral.get_status_display().lower() in str(message)
        assert str(message).endswith("Nothing was changed.")
        assert snapshot(referral) == before
        return

    assert message.level_tag == "success"
    assert referral.status == RULES[action][2]
    after = snapshot(referral)
    assert after["notifications"] > before["notifications"]
    assert after["history"] == before["history"] + 1
    assert Referral.history.filter(id=referral.pk).latest("history_date").history_user == user
    if action in ("accept", "decline", "redirect"):
        assert referral.answered_by == user
        assert referral.answered_at is not None
    else:
        assert after["answered_by"] == before["answered_by"]  # withdrawing or completing is not answering
    if action == "redirect":
        assert after["referrals"] == before["referrals"] + 1
        onward = referral.redirected_to
        assert onward.to_agency == family_support and onward.status == Referral.Status.SENT
    else:
        assert after["referrals"] == before["referrals"]
    if action == "accept":
        assert Involvement.objects.current().filter(child=referral.child, agency=referral.to_agency).exists()
    if action == "complete":
        assert referral.outcome == "Seen four times; discharged with a plan" and referral.closed_at is not None


# --- Reading the referral -------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", PERSONAS)
def test_only_the_sending_and_receiving_agencies_can_open_a_referral_in_any_state(
    client_for, referral_in, persona, state, who
):
    referral = referral_in(state)
    client = client_for(persona(who))

    detail = client.get(reverse("referral-detail", args=[referral.pk]))

    if who in STRANGERS:
        assert detail.status_code == 404
        for action in RULES:
            assert client.get(reverse("referral-answer", args=[referral.pk, action])).status_code == 404
        refusals = AccessEvent.objects.filter(user=persona(who), action=AccessEvent.Action.REFUSED)
        assert refusals.count() == 1 + len(RULES)
        assert all(event.child_id == referral.child_id for event in refusals)
        return
    assert detail.status_code == 200
    body = detail.content.decode()
    assert referral.to_agency.name in body
    # The page offers exactly the actions the persona may take now.
    offers = {
        "accept": reverse("referral-answer", args=[referral.pk, "accept"]) in body,
        "withdraw": reverse("referral-answer", args=[referral.pk, "withdraw"]) in body,
        "complete": reverse("referral-answer", args=[referral.pk, "complete"]) in body,
    }
    assert offers == {action: expected(state, action, who) == DONE for action in offers}


def test_an_action_that_does_not_exist_is_a_404(client_for, referral_in, receiving_member):
    referral = referral_in("sent")
    response = client_for(receiving_member).post(reverse("referral-answer", args=[referral.pk, "approve"]))
    assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SENT


# --- What the person refused is told ----------------------------------------------------------------


def refusal_message(client_for, user, referral, action, family_support):
    response = client_for(user).post(
        reverse("referral-answer", args=[referral.pk, action]), post_data(action, family_support)
    )
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    return str(message)


@pytest.mark.parametrize(
    "state, action, who, answerer",
    [
        ("accepted", "decline", "receiving_manager", "receiving_member"),
        ("declined", "accept", "receiving_manager", "receiving_member"),
        ("redirected", "accept", "receiving_manager", "receiving_member"),
        ("accepted", "withdraw", "sender_colleague", "receiving_member"),
    ],
)
def test_someone_too_late_to_answer_is_told_who_answered_and_how(
    client_for, referral_in, persona, family_support, state, action, who, answerer
):
    referral = referral_in(state)
    message = refusal_message(client_for, persona(who), referral, action, family_support)
    assert message.startswith(f"This referral has already been {state} by {persona(answerer).full_name} on ")


def test_recording_the_outcome_of_a_referral_not_yet_accepted_does_not_say_it_was_already_awaiting_response(
    client_for, referral_in, receiving_member, family_support
):
    referral = referral_in("sent")
    message = refusal_message(client_for, receiving_member, referral, "complete", family_support)
    assert "already been awaiting response" not in message


def test_someone_too_late_to_record_the_outcome_is_told_who_recorded_it(
    client_for, send, receiving_member, receiving_manager, family_support
):
    referral = send()
    services.referral_accept(actor=receiving_member, referral=referral)
    services.referral_complete(actor=receiving_manager, referral=referral, outcome="Discharged")
    message = refusal_message(client_for, receiving_member, referral, "complete", family_support)
    assert f"already been completed by {receiving_manager.full_name}" in message
