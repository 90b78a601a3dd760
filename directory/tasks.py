"""Thin Celery wrappers. Tasks take ids, re-read the database and are safe to run twice."""

from celery import shared_task

from .importing import harvest


@shared_task(name="directory.import_feed", acks_late=True)
def import_feed(run_id: int) -> None:
    """Carry an import on for a while; if it is not over, queue the rest (it resumes where it stopped)."""
    if not harvest.import_run_work(run_id):
        import_feed.delay(run_id)
