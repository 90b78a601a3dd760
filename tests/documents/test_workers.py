"""The PDF pipeline with real Celery workers on Redis: rendering, a worker killed mid-render, Redis down."""

import shutil
import signal
import subprocess
import time

import pytest
from django.urls import reverse

from caf.models import DocumentJob
from config import celery_app

from .conftest import SAMPLE_NEEDS, SAMPLE_STRENGTHS, broker, wait_for
from .pdf_reading import pdf_facts, pdf_text

pytestmark = [pytest.mark.django_db(transaction=True)]


def job_reaches(job_id: int, status: str, timeout: float = 90) -> DocumentJob:
    def check():
        job = DocumentJob.objects.get(pk=job_id)
        if job.status == DocumentJob.Status.FAILED and status != job.status:
            raise AssertionError(f"The job failed: {job.error}")
        return job if job.status == status else None

    return wait_for(check, timeout=timeout, message=f"Document job {job_id} did not become {status}")


def test_the_render_task_goes_to_the_pdf_queue():
    assert celery_app.amqp.router.route({}, "caf.render_document")["queue"].name == "pdf"
    assert celery_app.amqp.router.route({}, "caf.sweep_document_jobs")["queue"].name == "celery"


def test_a_worker_on_redis_renders_the_caf_pdf(client, team, caf, private_files, start_worker, redis_broker):
    worker = start_worker()
    client.force_login(team["lead"])
    response = client.post(reverse("caf-pdf-request", args=[caf.pk]))
    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert job.queued_at is not None  # it reached Redis after the request's commit

    job = job_reaches(job.pk, DocumentJob.Status.READY)
    assert "caf.render_document" in worker.read_log()
    content = (private_files / job.file).read_bytes()
    text = " ".join(pdf_text(content).split())
    assert "Wayne Carter" in text
    for heading in [
        "Development of the unborn baby, baby, child or young person",
        "Parents and carers",
        "Family and environmental factors",
        "Health – general health",
        "Guidance, boundaries and stimulation",
        "Housing, employment and financial considerations",
    ]:
        assert heading in text, heading
    assert SAMPLE_STRENGTHS in text and SAMPLE_NEEDS in text
    assert "Page 1 of" in text
    assert "OFFICIAL-SENSITIVE" in text
    facts = pdf_facts(content)
    assert facts["tagged"] and facts["lang"] == "en-GB" and "Wayne Carter" in facts["title"]
    assert job.attempts == 1 and job.page_count == facts["pages"]
    assert client.get(reverse("caf-pdf-download", args=[caf.pk, job.pk])).status_code == 200


def test_a_worker_killed_mid_render_leaves_the_job_to_a_new_worker_which_completes_it_once(
    client, team, caf, private_files, start_worker, redis_broker
):
    # The first worker pauses (test-only setting) once the job is marked rendering, so it can be killed there.
    first = start_worker(DOCUMENT_RENDER_TEST_DELAY_SECONDS=60, CELERY_TASK_TIME_LIMIT=120)
    client.force_login(team["lead"])
    client.post(reverse("caf-pdf-request", args=[caf.pk]))
    job = job_reaches(DocumentJob.objects.get().pk, DocumentJob.Status.RENDERING, timeout=60)
    assert first.pool_children(), "the worker should have a pool process rendering"
    first.kill()  # SIGKILL to the main process and its pool: nothing acknowledges the message

    assert DocumentJob.objects.get(pk=job.pk).status == DocumentJob.Status.RENDERING
    # Redis hands an unacknowledged task to another worker after the visibility timeout (twice the hard limit).
    second = start_worker(CELERY_TASK_TIME_LIMIT=8, CELERY_TASK_SOFT_TIME_LIMIT=7)
    job = job_reaches(job.pk, DocumentJob.Status.READY, timeout=120)

    assert job.attempts == 2
    assert DocumentJob.objects.count() == 1
    assert list(private_files.rglob("*.pdf")) == [private_files / job.file]
    assert not list(private_files.rglob(".rendering-*"))
    assert job.history.filter(status=DocumentJob.Status.READY).count() == 1
    assert "caf.render_document" in second.read_log()
    assert pdf_facts((private_files / job.file).read_bytes())["tagged"]


@pytest.fixture
def throwaway_redis(tmp_path):
    """A separate Redis on its own port, which the test stops and starts (the machine's Redis is left alone)."""
    server = shutil.which("redis-server") or "/usr/sbin/redis-server"
    port = 6390
    processes = []

    class Redis:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self):
            process = subprocess.Popen(
                [server, "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
                stdout=(tmp_path / "redis.log").open("ab"),
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            import redis

            wait_for(lambda: _pings(redis.Redis.from_url(self.url)), timeout=20)

        def stop(self):
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)

    def _pings(client):
        try:
            return client.ping()
        except Exception:
            return False

    redis_server = Redis()
    redis_server.start()
    yield redis_server
    redis_server.stop()


def test_with_redis_down_the_request_succeeds_and_the_sweeper_makes_the_pdf_once_it_is_back(
    client, team, caf, private_files, start_worker, throwaway_redis
):
    start_worker(throwaway_redis.url, beat=True, DOCUMENT_SWEEP_SECONDS=2, DOCUMENT_STALE_AFTER_SECONDS=1)
    throwaway_redis.stop()

    with broker(throwaway_redis.url):
        client.force_login(team["lead"])
        started = time.monotonic()
        response = client.post(reverse("caf-pdf-request", args=[caf.pk]), follow=True)
        assert time.monotonic() - started < 10
    assert response.status_code == 200
    assert "cannot be reached just now" in response.content.decode()
    job = DocumentJob.objects.get()
    assert job.status == DocumentJob.Status.QUEUED and job.queued_at is None

    throwaway_redis.start()
    job = job_reaches(job.pk, DocumentJob.Status.READY, timeout=150)
    assert job.queued_at is not None  # queued again by the sweeper
    assert list(private_files.rglob("*.pdf")) == [private_files / job.file]
