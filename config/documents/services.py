"""Document jobs: asking for a PDF (reusing one already made), rendering it exactly once, and the sweeper.

A job moves queued → rendering → ready (or failed). A render claims the job under its row lock and then
holds a lease on it: the worker renews `heartbeat_at` every DOCUMENT_HEARTBEAT_SECONDS from a thread of its
own, and only the claim that is still current (`attempts`) may mark the job ready. A re-delivered task
(acks late) finds a live lease and leaves the job alone; a job whose lease is DOCUMENT_LEASE_SECONDS old
has lost its worker (SIGKILL, out of memory, a machine gone) and is taken over by the next task the
sweeper or the broker hands out. The file is written under the job's own name, so a render that is
repeated leaves one file, not two.
"""

import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from agencies.models import User
from config.history import acted_by as _as  # history records who asked: there is no request in a worker

from . import rendering
from .kinds import document_for
from .models import DocumentJob

logger = logging.getLogger(__name__)

LIVE = (DocumentJob.Status.QUEUED, DocumentJob.Status.RENDERING, DocumentJob.Status.READY)


def _ready_file_missing(job: DocumentJob) -> bool:
    return job.status == DocumentJob.Status.READY and not rendering.file_path(job.file).is_file()


def document_request(*, actor: User | None, lookup: dict, content_stamp: str = "") -> DocumentJob:
    """A job for the document `lookup` names (its kind and source): the live one for the same template and
    content if there is one, else a new one queued after commit. Called by each app's `<kind>_pdf_request`."""
    kind = lookup["kind"]
    template_version = document_for(kind).template_version
    live = DocumentJob.objects.filter(**lookup, template_version=template_version, status__in=LIVE)
    if kind == DocumentJob.Kind.CAF:
        live = live.filter(content_stamp=content_stamp)
    with transaction.atomic():
        existing = live.select_for_update().first()
        if existing is not None and _ready_file_missing(existing):
            _finish_failed(existing, "The file of this PDF was missing, so it is being made again.")
            existing = None
        if existing is not None and existing.removal_due is not None and existing.removal_due <= timezone.now():
            # Past its retention and not yet tidied away: a fresh copy, never one about to be deleted.
            _remove(existing)
            existing = None
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = _as(
                    DocumentJob(
                        **lookup, template_version=template_version, content_stamp=content_stamp, requested_by=actor
                    ),
                    actor,
                )
                job.save()
        except IntegrityError:
            # Someone asked for the same document at the same moment: theirs is the one.
            return live.get()
        transaction.on_commit(lambda: document_enqueue(job.pk))
        return job


def document_enqueue(job_id: int) -> bool:
    """Queue the render on the `pdf` queue. Never raises: with the broker away the job stays queued and the
    sweeper queues it again later."""
    from config.queueing import publish

    from .tasks import render_document

    if not publish(render_document, (job_id,), f"document job {job_id}"):
        return False
    job = DocumentJob.objects.filter(pk=job_id).select_related("requested_by").first()
    if job is not None and not job.is_finished:
        job.queued_at = timezone.now()
        _as(job, job.requested_by).save(update_fields=["queued_at"])
    return True


def document_retry(job_id: int, *, actor: User) -> str:
    """An administrator's "make it again": a failed job goes back to queued (unless a newer live copy of the
    same document exists), and a queued or rendering one is queued again. Returns "queued" or "skipped"."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (DocumentJob.Status.READY, DocumentJob.Status.REMOVED):
            return "skipped"
        if job.status == DocumentJob.Status.FAILED:
            job.status = DocumentJob.Status.QUEUED
            job.error = ""
            job.finished_at = None
            job.queued_at = None
            try:
                with transaction.atomic():
                    _as(job, actor).save()
            except IntegrityError:
                return "skipped"  # someone has since asked again: their copy is the live one
        transaction.on_commit(lambda: document_enqueue(job_id))
        return "queued"


def _test_delay(attempt: int) -> None:
    # Test-only: lets the worker tests kill a worker in the middle of a job's first render. Zero unless
    # DOCUMENT_RENDER_TEST_DELAY_SECONDS is set in the worker's environment.
    delay = getattr(settings, "DOCUMENT_RENDER_TEST_DELAY", 0)
    if delay and attempt == 1:
        time.sleep(delay)


def lease_expired(job: DocumentJob, now=None) -> bool:
    """Whether a rendering job's worker has stopped renewing its lease (it is dead, or cut off)."""
    beat = job.heartbeat_at or job.started_at
    now = now or timezone.now()
    return beat is None or beat < now - timedelta(seconds=settings.DOCUMENT_LEASE_SECONDS)


def lease_remaining(job_id: int) -> float | None:
    """Seconds until a rendering job's lease runs out, or None if it is not rendering alone."""
    job = DocumentJob.objects.filter(pk=job_id, status=DocumentJob.Status.RENDERING, parts_total__isnull=True).first()
    if job is None:
        return None
    beat = job.heartbeat_at or job.started_at or timezone.now()
    left = (beat + timedelta(seconds=settings.DOCUMENT_LEASE_SECONDS) - timezone.now()).total_seconds()
    return max(left, 0.0)


@contextmanager
def _lease(job_id: int, attempt: int):
    """Renew the job's lease every DOCUMENT_HEARTBEAT_SECONDS while the block runs, from a thread with its own
    database connection (an UPDATE without history: a heartbeat is not a change to the document)."""
    from django.db import connection

    stop = threading.Event()

    def renew():
        try:
            while not stop.wait(settings.DOCUMENT_HEARTBEAT_SECONDS):
                try:
                    DocumentJob.objects.filter(pk=job_id, attempts=attempt, status=DocumentJob.Status.RENDERING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # the database blinked: the next beat tries again
                    logger.warning("Could not renew the lease of document job %s", job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    beating = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join(timeout=10)


def document_render(job_id: int, lease: bool = True) -> str:
    """Render a job's PDF at most once to completion: a job already ready or failed is left alone, a job
    whose lease is live (another worker is rendering it) is "busy", and a job whose lease ran out is taken
    over. `lease=False` in-process (the embedded default), where no other worker can exist."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return "busy"
        if job.is_finished:
            return job.status
        if job.parts_total:
            split = True  # a render in parts, queued again (by the sweeper): queue only what is missing
        else:
            if job.status == DocumentJob.Status.RENDERING and not lease_expired(job):
                return "busy"
            job.status = DocumentJob.Status.RENDERING
            job.attempts += 1
            job.started_at = job.heartbeat_at = timezone.now()
            parts = document_for(job.kind).parts(job)
            split = len(parts) > 1
            if split:
                job.parts_total = len(parts)
                job.parts_done = 0
                job.progress_at = job.started_at
            _as(job, job.requested_by).save()
    if split:
        return _parts_dispatch(job_id)
    attempt = job.attempts
    with _lease(job_id, attempt) if lease else _no_lease():
        _test_delay(attempt)
        rendered = document_for(job.kind).render(job, rendering.job_context(job))
        name = f"{job.kind}/{job.pk}.pdf"
        rendering.file_write(name, rendered.content)
    with transaction.atomic():
        job = (
            DocumentJob.objects.select_for_update()
            .filter(pk=job_id, status=DocumentJob.Status.RENDERING, attempts=attempt)
            .first()
        )
        if job is None:
            # Our lease ran out and another worker took the job over: its claim is the one that finishes.
            logger.warning("Document job %s was taken over from this render (attempt %s)", job_id, attempt)
            return "superseded"
        job.status = DocumentJob.Status.READY
        job.file = name
        job.size = rendered.size
        job.page_count = rendered.page_count
        job.checksum = rendered.checksum
        job.error = ""
        job.finished_at = timezone.now()
        _as(job, job.requested_by).save()
    logger.info("Document job %s ready: %s pages, %s bytes", job_id, rendered.page_count, rendered.size)
    return job.status


@contextmanager
def _no_lease():
    yield


# --- A large document (a directory), in parts ----------------------------------------------------------------
# Parts are rendered by several workers at once (a Celery group on the `pdf` queue), each to its own file;
# the part that finds every file present queues the join. No result backend is needed: the files and the
# job's row are the state, so a part or the join that runs twice does no harm.


def _part_name(job: DocumentJob, number: int) -> str:
    return f"{job.kind}/{job.pk}.part-{number:04d}.pdf"


def _parts_present(job: DocumentJob) -> list[int]:
    return [n for n in range(job.parts_total or 0) if rendering.file_path(_part_name(job, n)).is_file()]


def _parts_dispatch(job_id: int) -> str:
    """Queue every part not yet made, or the join once they all are."""
    from celery import group

    from .tasks import render_document_join, render_document_part

    job = DocumentJob.objects.get(pk=job_id)
    present = set(_parts_present(job))
    missing = [n for n in range(job.parts_total) if n not in present]
    if not missing:
        render_document_join.delay(job_id)
        return "joining"
    group(render_document_part.si(job_id, n) for n in missing).apply_async()
    return "parts queued"


def document_render_part(job_id: int, number: int) -> str:
    """Render part `number` of a job to its own file; the part that completes the set queues the join."""
    job = DocumentJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or job.status != DocumentJob.Status.RENDERING or not job.parts_total:
        return "skipped"
    name = _part_name(job, number)
    if not rendering.file_path(name).is_file():
        rendered = document_for(job.kind).render_part(job, rendering.job_context(job), number)
        rendering.file_write(name, rendered.content)
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().get(pk=job_id)
        if job.status != DocumentJob.Status.RENDERING:
            return "skipped"
        done = len(_parts_present(job))
        if done > job.parts_done:
            job.parts_done = done
            job.progress_at = timezone.now()
            _as(job, job.requested_by).save(update_fields=["parts_done", "progress_at"])
        complete = done == job.parts_total
    if complete:
        from .tasks import render_document_join

        render_document_join.delay(job_id)
    return "part ready"


def document_render_join(job_id: int) -> str:
    """Join a job's parts into its PDF (once: under the job's row lock, and only while rendering)."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
        if job is None:
            return "busy"
        if job.status != DocumentJob.Status.RENDERING:
            return job.status
        names = [_part_name(job, n) for n in range(job.parts_total)]
        files = [rendering.file_path(name) for name in names]  # read as joined; a missing part fails loudly
        rendered = document_for(job.kind).join(job, rendering.job_context(job), files)
        name = f"{job.kind}/{job.pk}.pdf"
        rendering.file_write(name, rendered.content)
        job.status = DocumentJob.Status.READY
        job.file = name
        job.size = rendered.size
        job.page_count = rendered.page_count
        job.checksum = rendered.checksum
        job.error = ""
        job.finished_at = timezone.now()
        _as(job, job.requested_by).save()
        transaction.on_commit(lambda: [_file_delete_quietly(n) for n in names])
    logger.info("Document job %s ready from %s parts: %s pages", job_id, len(names), rendered.page_count)
    return job.status


def _finish_failed(job: DocumentJob, message: str) -> None:
    job.status = DocumentJob.Status.FAILED
    job.error = message[:4000]
    job.finished_at = timezone.now()
    _as(job, job.requested_by).save()


def document_fail(job_id: int, message: str) -> None:
    """Mark a job failed with a message a practitioner can read and an administrator can act on."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().filter(pk=job_id).first()
        if job is not None and not job.is_finished:
            _finish_failed(job, message)


def document_jobs_sweep() -> int:
    """Queue again every job the broker may never have received or may have lost; returns how many."""
    now = timezone.now()
    stale_after = timedelta(seconds=settings.DOCUMENT_STALE_AFTER_SECONDS)
    requeue_after = timedelta(seconds=settings.DOCUMENT_REQUEUE_AFTER_SECONDS)
    hard_limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lease = timedelta(seconds=settings.DOCUMENT_LEASE_SECONDS)
    queued = DocumentJob.objects.filter(status=DocumentJob.Status.QUEUED)
    rendering = DocumentJob.objects.filter(status=DocumentJob.Status.RENDERING)
    stale = (
        # Never reached the broker (it was away when the practitioner asked).
        list(queued.filter(queued_at__isnull=True, created_at__lt=now - stale_after).values_list("pk", flat=True))
        # Reached it, but long enough ago that a broker restart may have lost it.
        + list(queued.filter(queued_at__lt=now - requeue_after).values_list("pk", flat=True))
        # Its worker stopped renewing the lease: killed mid-render. Whatever the broker does with the message
        # it held (RabbitMQ returns it at once; Redis only after its visibility timeout), this takes it over.
        + list(
            rendering.filter(parts_total__isnull=True)
            .annotate(beat=Coalesce("heartbeat_at", "started_at"))
            .filter(beat__lt=now - lease)
            .values_list("pk", flat=True)
        )
        # A render in parts, since its last part was made: each part is a task of its own.
        + list(
            rendering.filter(parts_total__isnull=False)
            .annotate(moved_at=Coalesce("progress_at", "started_at"))
            .filter(moved_at__lt=now - hard_limit - stale_after)
            .values_list("pk", flat=True)
        )
    )
    sent = sum(document_enqueue(pk) for pk in stale)
    if stale:
        logger.info("Document sweeper queued %s of %s stale jobs again", sent, len(stale))
    return sent


def _file_delete_quietly(name: str) -> None:
    # After a commit, possibly in a practitioner's request: a folder that cannot be written to must not turn
    # it into an error page. The hourly tidy deletes files no ready job owns, so it is tried again.
    try:
        rendering.file_delete(name)
    except OSError:
        logger.warning("Could not delete %s; the hourly tidy will try again", name, exc_info=True)


def _remove(job: DocumentJob) -> None:
    """Mark a ready copy removed and delete its file once that is committed (call inside a transaction)."""
    name = job.file
    job.status = DocumentJob.Status.REMOVED
    job.file = ""
    job.removed_at = timezone.now()
    _as(job, None).save()
    transaction.on_commit(lambda: _file_delete_quietly(name))


def document_files_tidy() -> dict[str, int]:
    """Delete CAF copies older than DOCUMENT_RETENTION_DAYS (each job stays, marked removed), and files no
    ready job owns: temporary files of a worker killed while writing, or a file whose deletion was missed.
    Returns counts of each."""
    now = timezone.now()
    removed = 0
    due = DocumentJob.objects.filter(
        kind=DocumentJob.Kind.CAF,
        status=DocumentJob.Status.READY,
        finished_at__lt=now - timedelta(days=settings.DOCUMENT_RETENTION_DAYS),
    )
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            # skip_locked: a job someone is asking for at this moment is left for the next run.
            job = due.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is not None:
                _remove(job)
                removed += 1
    # A file is written before its job is committed ready, so only files older than any render can be
    # orphans: twice the hard time limit.
    settled = now - timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
    owned = set(DocumentJob.objects.filter(status=DocumentJob.Status.READY).values_list("file", flat=True))
    orphans = 0
    for name in rendering.files_older_than(settled):
        if name not in owned:
            rendering.file_delete(name)
            orphans += 1
    if removed or orphans:
        logger.info("Removed %s expired PDF copies and %s orphaned files", removed, orphans)
    return {"removed": removed, "orphans": orphans}
