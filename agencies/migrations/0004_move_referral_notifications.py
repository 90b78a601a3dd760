"""Move the referral notifications (referrals.Notification) into agencies.Notification, which every app uses.

The old rows had no event: it is read back from the text the referral services wrote, which named it.
Each becomes the occurrence today's services use ("referral:<id>:<event>"), so a repeat of the same event
would not notify twice. Read and unread, dates and text are kept.
"""

import re

from django.db import migrations

# Checked in this order: "Referral redirected to you by X" is a new referral for the onward agency.
EVENTS = [
    (re.compile(r"^Referral redirected to you by "), "referral_received"),
    (re.compile(r"^New .* referral from "), "referral_received"),
    (re.compile(r" accepted your referral$"), "referral_accepted"),
    (re.compile(r" declined your referral$"), "referral_declined"),
    (re.compile(r" redirected your referral to "), "referral_redirected"),
    (re.compile(r" withdrew a referral$"), "referral_withdrawn"),
    (re.compile(r" completed your referral$"), "referral_completed"),
]


def event_of(text: str) -> str:
    for pattern, event in EVENTS:
        if pattern.search(text):
            return event
    return "referral_received"


def forwards(apps, schema_editor):
    Old = apps.get_model("referrals", "Notification")
    New = apps.get_model("agencies", "Notification")
    batch = []
    for old in Old.objects.order_by("pk").iterator(chunk_size=2000):
        event = event_of(old.text)
        batch.append(
            New(
                user_id=old.user_id,
                event=event,
                occurrence=f"referral:{old.referral_id}:{event.removeprefix('referral_')}",
                text=old.text,
                link=f"/referrals/{old.referral_id}/",  # referral-detail; reverse() is not safe in a migration
                created_at=old.created_at,
                read_at=old.read_at,
            )
        )
        if len(batch) >= 2000:
            New.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    New.objects.bulk_create(batch, ignore_conflicts=True)


def backwards(apps, schema_editor):
    Old = apps.get_model("referrals", "Notification")
    New = apps.get_model("agencies", "Notification")
    batch = []
    for new in New.objects.filter(occurrence__startswith="referral:").iterator(chunk_size=2000):
        batch.append(
            Old(
                user_id=new.user_id,
                referral_id=int(new.occurrence.split(":")[1]),
                text=new.text,
                created_at=new.created_at,
                read_at=new.read_at,
            )
        )
    Old.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_notifications"),
        ("referrals", "0004_inbox_closed_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
