"""The broker (a RabbitMQ node of the test's own) SIGKILLed for 30 s under a real worker running beat, while
practitioners send referrals and ask for a PDF. Counted: what each was told, what is stored, what was sent.

Nothing the user sees changes while the broker is away (the referral page says it was sent; the PDF page
says the PDF will follow), the worker reconnects by itself, and afterwards every email goes exactly once,
including one for a referral sent after the broker came back, and the PDF is made once.
"""

import time
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import NotificationEmail
from agencies.notifications import email_subject
from config.documents.models import DocumentJob
from referrals.models import Referral
from tests.referrals.conftest import (  # noqa: F401
    camhs,
    child,
    family_support,
    housing,
    receiving_manager,
    receiving_member,
    school,
    sender,
)
from tests.referrals.test_access import form_data

from .conftest import email_count, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 30
# Beat's sweepers every 3 s, taking rows 3 s old, so the test waits for the broker, not for the schedule.
FAST_SWEEPS = {
    "DOCUMENT_SWEEP_SECONDS": 3,
    "DOCUMENT_STALE_AFTER_SECONDS": 3,
    "OUTBOX_SWEEP_SECONDS": 3,
    "OUTBOX_STALE_AFTER_SECONDS": 3,
}


def send_referral(practitioner_client, child, school, camhs, n):  # noqa: F811
    started = time.monotonic()
    data = form_data(school, camhs, reason=f"Referral {n}: Keziah is anxious and not sleeping")
    response = practitioner_client.post(reverse("referral-new", args=[child.pk]), data, follow=True)
    took = time.monotonic() - started
    page = response.content.decode()
    return response.status_code, "Your referral has been sent to Northfield CAMHS" in page, took


def test_a_broker_away_for_30_seconds_changes_nothing_the_user_sees_and_loses_nothing(
    team,
    caf,
    private_files,
    start_worker,
    on_rabbitmq,
    child,  # noqa: F811
    school,  # noqa: F811
    camhs,  # noqa: F811
    sender,  # noqa: F811
    receiving_member,  # noqa: F811
    receiving_manager,  # noqa: F811
):
    worker = start_worker(on_rabbitmq.url, beat=True, **FAST_SWEEPS)
    referrer, lead, assessor = Client(), Client(), Client()
    referrer.force_login(sender)
    lead.force_login(team["lead"])
    assessor.force_login(team["assessor"])

    on_rabbitmq.kill()
    down = time.monotonic()
    told = [send_referral(referrer, child, school, camhs, n) for n in range(3)]
    pdf_pages = []
    for practitioner in (lead, assessor):
        started = time.monotonic()
        response = practitioner.post(reverse("caf-pdf-request", args=[caf.pk]), follow=True)
        pdf_pages.append((response.status_code, response.content.decode(), time.monotonic() - started))

    # What they were told: sent, and the PDF on its way; nobody waited on the broker.
    assert [(status, said) for status, said, _ in told] == [(200, True)] * 3
    assert all(took < 5 for *_, took in told), told
    for status, page, took in pdf_pages:
        assert status == 200 and "cannot be reached just now" in page and took < 5
    # What is stored: three referrals, one PDF job, every email row, none sent yet.
    assert Referral.objects.count() == 3
    [job] = DocumentJob.objects.all()
    assert job.status == DocumentJob.Status.QUEUED and job.queued_at is None
    rows = NotificationEmail.objects.filter(occurrence__startswith="referral:")
    assert rows.count() == 6 and not rows.filter(sent_at__isnull=False).exists()

    time.sleep(max(0, OUTAGE_SECONDS - (time.monotonic() - down)))
    on_rabbitmq.start()
    back = time.monotonic()
    told_after = send_referral(referrer, child, school, camhs, 3)
    assert told_after[:2] == (200, True)

    def everything_done():
        return (
            DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.READY
            and NotificationEmail.objects.filter(occurrence__startswith="referral:", sent_at__isnull=True).count() == 0
        )

    wait_for(everything_done, timeout=120, message="the PDF or the emails did not follow the broker's return")
    recovered = time.monotonic() - back
    print(f"\nBroker back after {OUTAGE_SECONDS} s: everything made and sent {recovered:.1f} s later")
    assert worker.process.poll() is None, "the worker must survive the outage"
    assert "Connection to broker lost" in worker.read_log()

    # Exactly once: each outbox row's email printed once by the worker, and nothing else about referrals.
    rows = list(NotificationEmail.objects.filter(occurrence__startswith="referral:"))
    assert len(rows) == 8  # four referrals, each to CAMHS's referrals address and its manager
    expected = Counter((row.recipient, email_subject(row.get_event_display())) for row in rows)
    sent = email_count(worker)
    assert {key: sent[key] for key in expected} == dict(expected)
    job.refresh_from_db()
    assert job.attempts == 1 and list(private_files.rglob("*.pdf")) == [private_files / job.file]
    for practitioner in (lead, assessor):
        page = practitioner.get(reverse("caf-pdf-status", args=[caf.pk, job.pk])).content.decode()
        assert "Your PDF is ready" in page
