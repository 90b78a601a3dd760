"""Choosing immediate emails or a daily digest, and the digest itself (sent in-process here; through a
real worker in test_emails_with_a_real_worker.py)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from agencies.models import NotificationDigest, NotificationEmail, User
from agencies.notifications import Event, digests_send, email_send, notify

LONDON = ZoneInfo("Europe/London")


def tell(user, n, event=Event.ACTION_ASSIGNED):
    return notify(event=event, recipients=[user], occurrence=f"thing:{n}", text="Wayne Carter: a thing", link="/")


@pytest.mark.django_db
def test_the_preference_page_saves_the_choice_with_govuk_radios(client_for, manager, outsider):
    client = client_for(manager)
    body = client.get(reverse("notification-preferences")).content.decode()
    assert 'class="govuk-radios__input"' in body and 'value="daily"' in body
    assert reverse("notification-preferences") in client.get(reverse("profile")).content.decode()
    assert reverse("notification-preferences") in client.get(reverse("notifications")).content.decode()

    response = client.post(reverse("notification-preferences"), {"notification_email": "daily"})
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.notification_email == "daily"
    assert manager.history.first().history_user == manager
    outsider.refresh_from_db()
    assert outsider.notification_email == "immediate"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "weekly", "\x00", "daily" * 100])
def test_a_bad_choice_gets_the_govuk_error_summary(client_for, manager, value):
    response = client_for(manager).post(reverse("notification-preferences"), {"notification_email": value})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    manager.refresh_from_db()
    assert manager.notification_email == "immediate"


@pytest.mark.django_db
def test_immediate_emails_name_only_the_event_and_link_to_the_notification(manager):
    [note] = tell(manager, 1)
    email = NotificationEmail.objects.get()
    assert email_send(email.pk) == 1
    assert email_send(email.pk) == 0
    [message] = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == "Team Around the Child: Action assigned to you"
    assert "Wayne" not in message.body and "Carter" not in message.body
    assert f"/notifications/{note.pk}/" in message.body


@pytest.mark.django_db
def test_an_email_waiting_follows_the_users_latest_choice(manager):
    tell(manager, 1)
    email = NotificationEmail.objects.get()
    manager.notification_email = User.NotificationEmail.DAILY
    manager.save()
    assert email_send(email.pk) == 0  # the digest will carry it
    assert mail.outbox == []
    at_eight = datetime.now(LONDON).replace(hour=8)
    assert digests_send(at_eight) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_digest_waits_for_its_hour_and_goes_once_a_day(manager, colleague, settings):
    settings.NOTIFICATION_DIGEST_HOUR = 7
    for user in (manager, colleague):
        user.notification_email = User.NotificationEmail.DAILY
        user.save()
    tell(manager, 1)
    tell(manager, 2, Event.ESCALATION_RAISED)
    tell(colleague, 3)
    today = datetime.now(LONDON)
    assert digests_send(today.replace(hour=6, minute=59)) == 0
    assert digests_send(today.replace(hour=7, minute=0)) == 2
    assert digests_send(today.replace(hour=19)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, colleague.email])
    message = next(m for m in mail.outbox if m.to == [manager.email])
    assert message.subject == "Team Around the Child: Your daily summary of notifications"
    assert "- Action assigned to you: 1" in message.body and "- Safeguarding concern raised: 1" in message.body
    assert "Wayne" not in message.body and "Carter" not in message.body

    tell(manager, 4)
    assert digests_send(today.replace(hour=20)) == 0  # today's has gone: tomorrow's carries it
    assert digests_send(today.replace(hour=8) + timedelta(days=1)) == 1
    assert NotificationDigest.objects.filter(user=manager).count() == 2
    assert not NotificationEmail.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_one_digest(manager):
    manager.notification_email = User.NotificationEmail.DAILY
    manager.save()
    for n in range(3):
        tell(manager, n)
    at_eight = datetime.now(LONDON).replace(hour=8)
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(digests_send(at_eight))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert NotificationDigest.objects.get(user=manager).summary == {"Action assigned to you": 3}
