"""Two people answering the same referral at the same moment: the first wins, the second is told.

Each person runs the service in a thread of their own, with a database connection of their own, and a
barrier lets them go at once. Exactly one answer is recorded, whoever wins, and the other gets
AlreadyAnswered naming what happened and who did it.
"""

import threading

import pytest
from django.db import connection, transaction

from agencies.models import Notification
from children.models import Involvement
from referrals import services
from referrals.models import Referral

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


def race(*attempts):
    """Run each (name, call) in its own thread, all released together; return each one's result or exception."""
    barrier = threading.Barrier(len(attempts))
    results = {}

    def run(name, call):
        try:
            barrier.wait(timeout=30)
            results[name] = call()
        except Exception as error:  # the test inspects whatever happened
            results[name] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an answer never finished: a deadlock?"
    return results


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_when_two_receivers_accept_and_decline_at_once_exactly_one_answer_is_recorded(
    send, sender, receiving_member, receiving_colleague, round_
):
    referral = send()
    notifications_before = Notification.objects.filter(user=sender).count()

    results = race(
        ("accepted", lambda: services.referral_accept(actor=receiving_member, referral=referral)),
        (
            "declined",
            lambda: services.referral_decline(actor=receiving_colleague, referral=referral, reason="No capacity"),
        ),
    )

    winners = [status for status, result in results.items() if isinstance(result, Referral)]
    losers = [status for status, result in results.items() if isinstance(result, services.AlreadyAnswered)]
    assert len(winners) == 1 and len(losers) == 1, results
    [won], [lost] = winners, losers
    winner = receiving_member if won == "accepted" else receiving_colleague

    referral.refresh_from_db()
    assert referral.status == won
    assert referral.answered_by == winner
    answered = Referral.history.filter(id=referral.pk, status__in=[Referral.Status.ACCEPTED, Referral.Status.DECLINED])
    assert answered.count() == 1
    assert answered.get().status == won and answered.get().history_user == winner
    assert Notification.objects.filter(user=sender).count() == notifications_before + 1
    joined = Involvement.objects.current().filter(child=referral.child, agency=referral.to_agency).exists()
    assert joined is (won == "accepted")

    message = str(results[lost])
    assert message.startswith(f"This referral has already been {won} by ")
    assert message.endswith("Nothing was changed.")
    assert results[lost].referral.status == won
    # Who won is named only when the loser read the row after the winner committed; see the test below.


@pytest.mark.parametrize("round_", range(1, ROUNDS + 1))
def test_when_the_sender_withdraws_as_the_receiver_accepts_exactly_one_of_them_happens(
    send, sender, receiving_member, round_
):
    referral = send()

    results = race(
        ("accepted", lambda: services.referral_accept(actor=receiving_member, referral=referral)),
        ("withdrawn", lambda: services.referral_withdraw(actor=sender, referral=referral, reason="Moved away")),
    )

    winners = [status for status, result in results.items() if isinstance(result, Referral)]
    losers = [status for status, result in results.items() if isinstance(result, services.AlreadyAnswered)]
    assert len(winners) == 1 and len(losers) == 1, results
    [won], [lost] = winners, losers
    referral.refresh_from_db()
    assert referral.status == won
    closing = Referral.history.filter(id=referral.pk, status__in=[Referral.Status.ACCEPTED, Referral.Status.WITHDRAWN])
    assert closing.count() == 1
    assert f"already been {won}" in str(results[lost])
    joined = Involvement.objects.current().filter(child=referral.child, agency=referral.to_agency).exists()
    assert joined is (won == "accepted")


def test_the_person_who_waited_for_the_lock_is_told_who_answered_first(send, receiving_member, receiving_colleague):
    """The same race made deterministic: the winner holds the row lock until the loser is seen waiting for it."""
    referral = send()
    answered, loser_waiting = threading.Event(), threading.Event()
    results = {}

    def winner():
        try:
            with transaction.atomic():
                services.referral_accept(actor=receiving_member, referral=referral)
                answered.set()
                assert loser_waiting.wait(timeout=30), "the loser never queued for the lock"
        finally:
            answered.set()
            connection.close()

    def loser():
        try:
            answered.wait(timeout=30)
            results["loser"] = services.referral_decline(actor=receiving_colleague, referral=referral, reason="No")
        except Exception as error:
            results["loser"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=winner), threading.Thread(target=loser)]
    for thread in threads:
        thread.start()
    answered.wait(timeout=30)
    with connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                loser_waiting.set()
                break
            threading.Event().wait(0.05)
    loser_waiting.set()
    for thread in threads:
        thread.join(timeout=60)

    assert isinstance(results["loser"], services.AlreadyAnswered), results
    assert f"already been accepted by {receiving_member.full_name} on " in str(results["loser"])
