"""The pipeline's Celery tasks (thin wrappers around services): rendering on the `pdf` queue, the sweeper and
the tidy from beat. Tasks take ids, re-read the database and are safe to run twice."""

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import celeryd_init, worker_process_init
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Worth trying again: the database or a connection blinked. Anything else will fail the same way again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


# Whether this worker consumes the `pdf` queue (set in the main process before the pool forks).
_RENDERS_PDFS = True


@celeryd_init.connect
def note_queues(options=None, **kwargs) -> None:
    global _RENDERS_PDFS
    queues = (options or {}).get("queues") or []
    if isinstance(queues, str):
        queues = queues.split(",")
    _RENDERS_PDFS = not queues or "pdf" in queues  # no -Q: every declared queue, `pdf` included


@worker_process_init.connect
def warm_up_renderer(**kwargs) -> None:
    """Load WeasyPrint and set up fontconfig as each pool process of a `pdf` worker starts, not in the first
    practitioner's render (a cold first render takes about a second longer)."""
    if not _RENDERS_PDFS:
        return
    from . import rendering

    try:
        rendering.warm_up()
    except Exception:  # a broken renderer fails each job with a readable message instead
        logger.exception("Could not warm up the PDF renderer")


@shared_task(
    bind=True,
    name="documents.render_document",  # matches CELERY_TASK_ROUTES "*.render_*": the `pdf` queue
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
)
def render_document(self, job_id: int) -> str:
    """Render one document job's PDF (services.document_render sets the acting user for history); a
    large directory is queued as parts (render_document_part) and then joined (render_document_join)."""
    outcome = _render(self, job_id, lambda pk: services.document_render(pk, lease=not self.request.is_eager))
    if outcome == "busy" and not self.request.is_eager and self.request.retries < self.max_retries:
        # Another render holds the lease. If its worker was killed (this copy is the message the broker gave
        # back), the lease runs out within DOCUMENT_LEASE_SECONDS: look again then, not at the next sweep.
        remaining = services.lease_remaining(job_id)
        if remaining is not None:
            raise self.retry(countdown=remaining + 1)
    return outcome


@shared_task(
    bind=True, name="documents.render_document_part", acks_late=True, reject_on_worker_lost=True, max_retries=5
)
def render_document_part(self, job_id: int, number: int) -> str:
    """Render one part of a large directory's PDF to its own file."""
    return _render(self, job_id, lambda pk: services.document_render_part(pk, number))


@shared_task(
    bind=True, name="documents.render_document_join", acks_late=True, reject_on_worker_lost=True, max_retries=5
)
def render_document_join(self, job_id: int) -> str:
    """Join a large directory's parts into its PDF."""
    return _render(self, job_id, services.document_render_join)


def _render(self, job_id: int, step) -> str:
    try:
        return step(job_id)
    except TRANSIENT_ERRORS as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            services.document_fail(
                job_id,
                "The PDF could not be made because a service it needs was unavailable. Try again in a few minutes. "
                f"(Document job {job_id}, after {self.request.retries + 1} attempts: {type(error).__name__}: {error})",
            )
            return "failed"
        countdown = min(300, 5 * 2**self.request.retries) + random.uniform(0, 3)
        logger.warning("Document job %s hit a transient error, retrying in %.0fs: %s", job_id, countdown, error)
        raise self.retry(exc=error, countdown=countdown) from error
    except SoftTimeLimitExceeded:
        services.document_fail(
            job_id,
            f"The PDF took too long to make and was stopped. Ask your administrator to look at document job {job_id}.",
        )
        return "failed"
    except Exception as error:
        if isinstance(error, OSError) and _is_storage_error(error):
            logger.exception("Document job %s could not be saved", job_id)
            services.document_fail(
                job_id,
                "The PDF could not be saved, because the folder the service keeps PDF files in cannot be written "
                "to. Ask your administrator to check the private files folder (DJANGO_PRIVATE_FILES_ROOT), then "
                f"try again. (Document job {job_id}: {type(error).__name__}: {error.strerror or error})",
            )
            return "failed"
        logger.exception("Document job %s failed", job_id)
        services.document_fail(
            job_id,
            "The PDF could not be made. Ask your administrator to look at document job "
            f"{job_id} ({type(error).__name__}: {str(error)[:500]}).",
        )
        return "failed"


def _is_storage_error(error: OSError) -> bool:
    # Permission, read-only or full disk: the private files folder, not a connection (ConnectionError and
    # TimeoutError are OSErrors too, and transient).
    import errno

    return not isinstance(error, TRANSIENT_ERRORS) and error.errno in (
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.ENOTDIR,
        errno.ENOENT,
    )


@shared_task(name="documents.sweep_document_jobs")
def sweep_document_jobs() -> int:
    """Queue again document jobs the broker never received (it was down) or lost."""
    return services.document_jobs_sweep()


@shared_task(name="documents.tidy_document_files")
def tidy_document_files() -> dict:
    """Delete CAF copies past DOCUMENT_RETENTION_DAYS and files no ready job owns."""
    return services.document_files_tidy()
