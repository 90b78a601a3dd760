"""The data migration moves every referral notification into agencies.Notification, with its event."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agencies.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("agencies", "0003_notifications"), ("referrals", "0004_inbox_closed_index")]


def test_referral_notifications_move_with_their_event_and_read_state(send, sender, receiving_member, housing):
    from referrals import services

    referral = send()
    services.referral_redirect(actor=receiving_member, referral=referral, to_agency=housing, reason="Housing")
    onward = referral.redirected_to
    Notification.objects.all().delete()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    Old = old_apps.get_model("referrals", "Notification")
    texts = {
        "New urgent referral from Riverside Primary School": ("referral_received", referral, receiving_member),
        "Northfield CAMHS redirected your referral to Northfield Housing Options": (
            "referral_redirected",
            referral,
            sender,
        ),
        "Referral redirected to you by Northfield CAMHS": ("referral_received", onward, receiving_member),
        "Northfield CAMHS accepted your referral": ("referral_accepted", referral, sender),
        "Northfield CAMHS declined your referral": ("referral_declined", referral, sender),
        "Riverside Primary School withdrew a referral": ("referral_withdrawn", referral, receiving_member),
        "Northfield CAMHS completed your referral": ("referral_completed", referral, sender),
    }
    for text, (_, about, user) in texts.items():
        Old.objects.create(user_id=user.pk, referral_id=about.pk, text=text)
    read = Old.objects.get(text__startswith="New urgent")
    read.read_at = read.created_at
    read.save()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = {n.text: n for n in Notification.objects.all()}
    assert set(moved) == set(texts)
    for text, (event, about, user) in texts.items():
        note = moved[text]
        assert (note.event, note.user_id, note.link) == (event, user.pk, about.get_absolute_url())
        assert note.occurrence == f"referral:{about.pk}:{event.removeprefix('referral_')}"
    assert moved["New urgent referral from Riverside Primary School"].read_at is not None
    assert moved["Northfield CAMHS accepted your referral"].read_at is None
