"""The PDF pipeline with real Celery workers on Redis: rendering, a worker killed mid-render, Redis down."""

import io
import re
import shutil
import signal
import subprocess
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from config import celery_app
from config.documents.models import DocumentJob
from tests.directory.conftest import listed_agency, school_directory  # noqa: F401

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
    assert celery_app.amqp.router.route({}, "documents.render_document")["queue"].name == "pdf"
    assert celery_app.amqp.router.route({}, "documents.sweep_document_jobs")["queue"].name == "celery"


def test_a_worker_on_redis_renders_the_caf_pdf(client, team, caf, private_files, start_worker, redis_broker):
    worker = start_worker()
    client.force_login(team["lead"])
    response = client.post(reverse("caf-pdf-request", args=[caf.pk]))
    job = DocumentJob.objects.get()
    assert response.status_code == 302
    assert job.queued_at is not None  # it reached Redis after the request's commit

    job = job_reaches(job.pk, DocumentJob.Status.READY)
    assert "documents.render_document" in worker.read_log()
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
    # The killed render's lease runs out and the next worker takes the job over (tests/faults does this on
    # RabbitMQ, the production broker, and times it).
    second = start_worker(CELERY_TASK_TIME_LIMIT=8, CELERY_TASK_SOFT_TIME_LIMIT=7)
    job = job_reaches(job.pk, DocumentJob.Status.READY, timeout=120)

    assert job.attempts == 2
    assert DocumentJob.objects.count() == 1
    assert list(private_files.rglob("*.pdf")) == [private_files / job.file]
    assert not list(private_files.rglob(".rendering-*"))
    assert job.history.filter(status=DocumentJob.Status.READY).count() == 1
    assert "documents.render_document" in second.read_log()
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


# --- A large directory, laid out in parts by the workers and joined ------------------------------------

SERVICE_TYPES = ["group", "one_to_one", "advice"]


@pytest.fixture
def large_directory(school_directory, listed_agency, other_manager, coordinator):  # noqa: F811
    """A published directory of 11 services over three types: with parts of 4, three parts, the second
    starting inside a group."""
    from datetime import time as clock

    from directory import services as directory_services
    from directory.services import OpeningSession
    from tests.directory.conftest import term

    names = []
    for i in range(11):
        service = directory_services.service_create(
            actor=other_manager,
            agency=listed_agency,
            name=f"Family service {i + 1:02d}",
            description=f"Support number {i + 1} for children and families, with a drop-in and advice.",
            types=[term(SERVICE_TYPES[i % 3])],
            outcomes=[term("be_healthy")],
            minimum_age=0,
            maximum_age=11,
            sessions=[OpeningSession(2, clock(9, 30), clock(11, 30))],
            contacts=[{"phones": "01632 960 303"}],
            cost="Free",
        )
        directory_services.entry_add(actor=coordinator, directory=school_directory, target=service)
        names.append(service.name)
    version = directory_services.directory_publish(actor=coordinator, directory=school_directory)
    return version, names


def test_a_large_directory_is_rendered_in_parts_by_the_worker_and_reads_back_whole_and_in_order(
    client, large_directory, private_files, start_worker, redis_broker
):
    from .pdf_structure import structure_facts

    version, names = large_directory
    worker = start_worker(DOCUMENT_DIRECTORY_PART_SIZE=4)
    url = reverse("directory-pdf", args=[version.directory.slug, version.number])
    page = client.get(url)
    assert page.status_code == 200
    job = DocumentJob.objects.get()

    job = job_reaches(job.pk, DocumentJob.Status.READY, timeout=120)
    log = worker.read_log()
    assert job.parts_total == 3 and job.parts_done == 3
    assert log.count("documents.render_document_part") >= 3 and "documents.render_document_join" in log
    assert not list(private_files.rglob("*.part-*.pdf"))  # the parts are deleted once joined
    content = (private_files / job.file).read_bytes()
    text = " ".join(pdf_text(content).split())

    # Every service is there once, grouped by type and in name order within each group.
    for name in names:
        assert text.count(name) == 1, name
    facts = pdf_facts(content)
    assert facts["tagged"] and facts["lang"] == "en-GB" and version.directory.title in facts["title"]
    assert job.page_count == facts["pages"]
    # Pages in order: "Page N of M" on every page, N counting up, M the whole file's count.
    pages = PdfReader(io.BytesIO(content)).pages
    numbers = [re.search(r"Page (\d+) of (\d+)", page.extract_text() or "") for page in pages]
    assert all(numbers), "every page has its number"
    assert [int(m.group(1)) for m in numbers] == list(range(1, len(pages) + 1))
    assert {int(m.group(2)) for m in numbers} == {len(pages)}
    # The contents gives each group's real page.
    for heading in ("Group support", "One-to-one support"):
        listed = re.search(re.escape(heading) + r" \(\d+\)[ .]*(\d+)", text)
        assert listed, heading
        page_number = int(listed.group(1))
        assert heading in (pages[page_number - 1].extract_text() or ""), heading

    # One structure tree, whole: every element's page exists, in page order, every key resolves.
    structure = structure_facts(content)
    assert structure["documents"] == 1 and structure["dangling"] == 0
    assert structure["element_pages_in_order"] and structure["parent_tree_keys_unique"]
    assert structure["every_page_and_link_in_parent_tree"] and structure["unresolved_mcids"] == 0
    assert structure["pages_with_structure"] == facts["pages"]
    # Every piece of text tagged, or an artifact: the page numbers stamped on at the join, one a page.
    assert structure["text_outside_marked_content"] == 0 and structure["text_in_artifacts"] == facts["pages"]
    assert structure["elements"].count("/H3") == len(names)
    # Bookmarks: the title, then the contents and the groups beneath it, each service under its group.
    assert structure["outline"][0] == version.directory.title
    assert all(name in structure["outline"] for name in names)


def test_the_directory_status_page_shows_which_part_is_being_rendered(client, large_directory):
    version, _ = large_directory
    job = DocumentJob.objects.create(
        kind=DocumentJob.Kind.DIRECTORY,
        directory_version_id=version.pk,
        template_version="directory-1",
        status=DocumentJob.Status.RENDERING,
        parts_total=12,
        parts_done=2,
    )
    url = reverse("directory-pdf", args=[version.directory.slug, version.number])
    from directory.documents import DirectoryDocument

    job.template_version = DirectoryDocument.template_version
    job.save()
    page = client.get(url).content.decode()
    assert "Rendering part 3 of 12" in page
    assert "2 of 12 parts made so far" in page
    # Without JavaScript the page still moves on: a plain link to look again.
    assert f'href="{url}"' in page and "Refresh" in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Rendering part 3 of 12" in fragment and 'hx-trigger="every 2s"' in fragment
