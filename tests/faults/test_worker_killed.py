"""A worker SIGKILLed in the middle of a render, on RabbitMQ (the production broker), with the default lease:
the PDF is made once, within a minute of a worker being available, and the practitioner who asked sees it.

First the pool process alone (the main process lives and gives the message back), then the whole worker
(the broker gives the message back when the connection drops, and a new worker takes it).
"""

import time

import pytest
from django.urls import reverse

from config.documents.models import DocumentJob

from .conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def rendering_job(client, team, caf):
    client.force_login(team["lead"])
    assert client.post(reverse("caf-pdf-request", args=[caf.pk])).status_code == 302
    job = DocumentJob.objects.get()
    return wait_for(
        lambda: DocumentJob.objects.filter(pk=job.pk, status=DocumentJob.Status.RENDERING).first(),
        timeout=60,
        message="the job never started rendering",
    )


def ready(job_id: int, timeout: float) -> DocumentJob:
    def check():
        job = DocumentJob.objects.get(pk=job_id)
        assert job.status != DocumentJob.Status.FAILED, job.error
        return job if job.status == DocumentJob.Status.READY else None

    return wait_for(check, timeout=timeout, message=f"document job {job_id} was not ready in {timeout}s")


def what_the_practitioner_sees(client, caf, job) -> str:
    return client.get(reverse("caf-pdf-status", args=[caf.pk, job.pk])).content.decode()


def assert_made_once(job, private_files):
    assert job.attempts == 2  # the killed render, then the one that finished
    assert DocumentJob.objects.count() == 1
    assert list(private_files.rglob("*.pdf")) == [private_files / job.file]
    assert job.history.filter(status=DocumentJob.Status.READY).count() == 1


def test_a_killed_pool_process_s_render_is_made_again_within_a_minute(
    client, team, caf, private_files, start_worker, on_rabbitmq
):
    worker = start_worker(on_rabbitmq.url, DOCUMENT_RENDER_TEST_DELAY_SECONDS=120)
    job = rendering_job(client, team, caf)
    [child] = worker.pool_children()
    import os
    import signal

    os.kill(child, signal.SIGKILL)
    killed = time.monotonic()
    assert "Your PDF is being made" in what_the_practitioner_sees(client, caf, job)

    job = ready(job.pk, timeout=60)
    recovered = time.monotonic() - killed
    print(f"\nPool process killed mid-render: PDF ready {recovered:.1f} s later")
    assert recovered < 60
    assert_made_once(job, private_files)
    assert "Your PDF is ready" in what_the_practitioner_sees(client, caf, job)
    assert worker.process.poll() is None  # the worker itself carried on


def test_a_whole_worker_killed_mid_render_leaves_the_pdf_to_the_next_worker_within_a_minute(
    client, team, caf, private_files, start_worker, on_rabbitmq
):
    first = start_worker(on_rabbitmq.url, DOCUMENT_RENDER_TEST_DELAY_SECONDS=120)
    job = rendering_job(client, team, caf)
    first.kill()  # SIGKILL to the main process and its pool: nothing acknowledges the message

    assert DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.RENDERING
    second = start_worker(on_rabbitmq.url)
    available = time.monotonic()
    job = ready(job.pk, timeout=60)
    recovered = time.monotonic() - available
    print(f"\nWhole worker killed mid-render: PDF ready {recovered:.1f} s after a new worker was ready")
    assert recovered < 60
    assert_made_once(job, private_files)
    assert "documents.render_document" in second.read_log()
    assert "Your PDF is ready" in what_the_practitioner_sees(client, caf, job)
