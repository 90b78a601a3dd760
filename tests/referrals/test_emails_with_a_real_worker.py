"""Referral emails sent by a real Celery worker through Redis, each to each recipient exactly once.

The worker and the Redis database come from tests/celery_worker.py. Referral emails go through the
notification service's outbox (agencies.NotificationEmail): a new referral to the receiving agency's
referrals address and its managers, an answer to the sender.
"""

from collections import Counter

import pytest

from agencies.models import NotificationEmail
from agencies.notifications import email_subject
from agencies.tasks import send_notification_email
from referrals import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_real_worker_emails_each_recipient_of_each_referral_event_exactly_once(
    tasks_go_to_redis, worker, send, sender, receiving_member, receiving_manager, camhs, child
):
    referral = send()
    services.referral_accept(actor=receiving_member, referral=referral)

    expected = {
        (camhs.email, email_subject("New referral")),
        (receiving_manager.email, email_subject("New referral")),
        (sender.email, email_subject("Referral accepted")),
    }
    worker.wait_for(lambda: len(worker.finished_tasks()) >= 3, "the three email tasks to finish")
    assert sorted(worker.finished_tasks().values()) == [1, 1, 1]
    assert worker.emails() == Counter(dict.fromkeys(expected, 1))
    outbox = NotificationEmail.objects.filter(occurrence__startswith=f"referral:{referral.pk}:")
    assert {(e.event, e.recipient) for e in outbox} == {
        ("referral_received", camhs.email),
        ("referral_received", receiving_manager.email),
        ("referral_accepted", sender.email),
    }
    assert all(e.sent_at for e in outbox)
    # No names or needs in the email.
    output = worker.output()
    for personal in (child.first_name, child.last_name, child.postcode, referral.reason[:30], sender.full_name):
        assert personal not in output

    # The same tasks again (a retry, a redelivery): they send nothing.
    again = [send_notification_email.delay(e.pk) for e in outbox]
    worker.wait_for(lambda: all(a.id in worker.finished_tasks() for a in again), "the repeated tasks to finish")
    assert [worker.finished_tasks()[a.id] for a in again] == [0, 0, 0]
    assert worker.emails() == Counter(dict.fromkeys(expected, 1))
    assert outbox.count() == 3
