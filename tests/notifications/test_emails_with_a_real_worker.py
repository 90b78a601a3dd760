"""Notification emails through a real Celery worker on Redis (tests/celery_worker.py): each outbox row
is sent exactly once, however many times its task runs; one queued while the broker was down is sent
once the sweeper finds it; a digest user gets one summary a day; no email carries personal details."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from agencies.models import NotificationDigest, NotificationEmail, User
from agencies.notifications import DIGEST_SUBJECT, Event, email_subject, notify
from agencies.tasks import send_notification_digests, send_notification_email, sweep_notification_emails

from ..celery_worker import BROKER_URL, DEAD_BROKER_URL, use_broker

pytestmark = pytest.mark.django_db(transaction=True)

CHILD_TEXT = "Action overdue: Review Della Carter's sleep at 14 Mill Lane"


def overdue(recipients, n=1, event=Event.ACTION_OVERDUE, **kwargs):
    return notify(
        event=event, recipients=recipients, occurrence=f"action:{n}:overdue", text=CHILD_TEXT, link="/", **kwargs
    )


def test_each_notification_is_emailed_once_and_a_repeated_task_sends_nothing(
    tasks_go_to_redis, worker, manager, colleague
):
    overdue([manager, colleague])
    worker.wait_for(lambda: len(worker.finished_tasks()) >= 2, "both email tasks")
    expected = {(manager.email, email_subject("Action overdue")), (colleague.email, email_subject("Action overdue"))}
    assert worker.emails() == Counter(dict.fromkeys(expected, 1))
    rows = list(NotificationEmail.objects.all())
    assert all(row.sent_at for row in rows)

    # The same occurrence again creates nothing to send; the tasks again (a redelivery) send nothing.
    overdue([manager, colleague])
    again = [send_notification_email.delay(row.pk) for row in rows] * 2
    worker.wait_for(lambda: all(a.id in worker.finished_tasks() for a in again), "the repeated tasks")
    assert [worker.finished_tasks()[a.id] for a in again] == [0] * 4
    assert worker.emails() == Counter(dict.fromkeys(expected, 1))

    output = worker.output()
    assert "Della" not in output and "Carter" not in output and "Mill Lane" not in output
    for row in rows:  # each email links to its own notification, which marks it read and leads on
        assert f"/notifications/{row.notification_id}/" in output


def test_an_email_queued_while_the_broker_was_down_is_sent_by_the_sweeper(tasks_go_to_redis, worker, manager):
    use_broker(DEAD_BROKER_URL)
    with transaction.atomic():
        [note] = overdue([manager])  # the request succeeds: queueing after commit fails quietly
    email = NotificationEmail.objects.get(notification=note)
    assert email.sent_at is None
    use_broker(BROKER_URL)

    # Younger than a minute: the sweeper leaves it (its own task may still be on its way).
    swept = sweep_notification_emails.delay()
    worker.wait_for(lambda: swept.id in worker.finished_tasks("agencies.sweep_notification_emails"), "the sweep")
    assert worker.finished_tasks("agencies.sweep_notification_emails")[swept.id] == 0

    NotificationEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    swept = sweep_notification_emails.delay()
    worker.wait_for(lambda: len(worker.finished_tasks()) >= 1, "the swept email to be sent")
    assert worker.finished_tasks("agencies.sweep_notification_emails")[swept.id] == 1
    assert worker.emails() == Counter({(manager.email, email_subject("Action overdue")): 1})
    email.refresh_from_db()
    assert email.sent_at is not None

    # Sent: another sweep finds nothing.
    swept = sweep_notification_emails.delay()
    worker.wait_for(lambda: swept.id in worker.finished_tasks("agencies.sweep_notification_emails"), "the sweep")
    assert worker.finished_tasks("agencies.sweep_notification_emails")[swept.id] == 0


def test_a_digest_user_gets_one_summary_a_day_and_no_single_emails(tasks_go_to_redis, worker, manager, colleague):
    manager.notification_email = User.NotificationEmail.DAILY
    manager.save()
    overdue([manager, colleague], n=1)
    overdue([manager], n=2)
    notify(event=Event.REVIEW_DUE, recipients=[manager], occurrence="review:1:due", text="Review of Della", link="/")
    worker.wait_for(lambda: len(worker.finished_tasks()) >= 1, "the colleague's email")
    assert worker.emails() == Counter({(colleague.email, email_subject("Action overdue")): 1})

    runs = [send_notification_digests.delay() for _ in range(3)]
    done = "agencies.send_notification_digests"
    worker.wait_for(lambda: all(r.id in worker.finished_tasks(done) for r in runs), "the digest runs")
    assert sorted(worker.finished_tasks(done)[r.id] for r in runs) == [0, 0, 1]
    assert worker.emails() == Counter(
        {(colleague.email, email_subject("Action overdue")): 1, (manager.email, email_subject(DIGEST_SUBJECT)): 1}
    )
    digest = NotificationDigest.objects.get(user=manager)
    assert digest.summary == {"Action overdue": 2, "Review due soon": 1}
    assert "- Action overdue: 2" in worker.output() and "- Review due soon: 1" in worker.output()
    assert not NotificationEmail.objects.filter(sent_at__isnull=True).exists()
    assert "Della" not in worker.output()

    # Something new the same day waits for tomorrow's digest: today's has gone.
    overdue([manager], n=3)
    again = send_notification_digests.delay()
    worker.wait_for(lambda: again.id in worker.finished_tasks(done), "the digest run")
    assert worker.finished_tasks(done)[again.id] == 0
    assert NotificationEmail.objects.filter(sent_at__isnull=True, user=manager).count() == 1
