"""Beat stopped and started again: the periodic jobs it missed run as soon as it is back (its schedule file
says when each last ran), so a PDF and an email left for the sweepers are made and sent then, once."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import NotificationEmail
from agencies.notifications import email_subject
from caf.documents import CafDocument
from config.documents.models import DocumentJob

from .conftest import email_count, wait_for
from .test_broker_outage import FAST_SWEEPS

pytestmark = [pytest.mark.django_db(transaction=True)]


def start_beat(worker, schedule, log):
    env = {**os.environ, **{k: str(v) for k, v in FAST_SWEEPS.items()}}
    env.update(CELERY_BROKER_URL=worker.broker_url, DATABASE_URL=worker.env_database_url)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info", "--schedule", str(schedule)],
        cwd=worker.cwd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def test_periodic_jobs_catch_up_when_beat_comes_back(team, caf, private_files, start_worker, on_rabbitmq, tmp_path):
    from tests.documents.conftest import BASE_DIR, test_database_url

    worker = start_worker(on_rabbitmq.url, **FAST_SWEEPS)
    worker.env_database_url, worker.cwd = test_database_url(), BASE_DIR
    schedule, log = tmp_path / "beat-schedule", tmp_path / "beat.log"
    beat = start_beat(worker, schedule, log)
    wait_for(lambda: "sweep-document-jobs" in log.read_text(errors="replace"), timeout=30, message="beat sent nothing")
    os.killpg(beat.pid, signal.SIGTERM)
    beat.wait(15)

    # While beat is away: a PDF asked for and an email written while the broker was unreachable.
    long_ago = timezone.now() - timedelta(minutes=5)
    job = DocumentJob.objects.create(
        kind="caf",
        assessment=caf,
        template_version=CafDocument.template_version,
        content_stamp="beat-test",
        requested_by=team["lead"],
        created_at=long_ago,
    )
    email = NotificationEmail.objects.create(
        event="action_overdue", occurrence="beat-test", recipient="lead@hv.example.org", link="/", created_at=long_ago
    )
    time.sleep(8)  # more than two sweep intervals: without beat nothing moves
    assert DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.QUEUED
    assert NotificationEmail.objects.get(pk=email.pk).sent_at is None

    back = time.monotonic()
    beat = start_beat(worker, schedule, log)
    try:
        wait_for(
            lambda: (
                DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.READY
                and NotificationEmail.objects.get(pk=email.pk).sent_at is not None
            ),
            timeout=60,
            message="the sweeps did not catch up after beat came back",
        )
        caught_up = time.monotonic() - back
        print(f"\nBeat back: the missed sweeps made the PDF and sent the email {caught_up:.1f} s later")
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(15)
    assert email_count(worker)[("lead@hv.example.org", email_subject("Action overdue"))] == 1
    assert DocumentJob.objects.get(pk=job.pk).attempts == 1
    assert len(list(private_files.rglob("*.pdf"))) == 1
