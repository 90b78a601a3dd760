from celery import shared_task

from .middleware import kept_submissions_expired


@shared_task(name="agencies.sweep_kept_submissions")
def sweep_kept_submissions() -> int:
    """Delete forms kept at a time-out that nobody came back for (they may hold a child's details)."""
    deleted, _ = kept_submissions_expired().delete()
    return deleted
