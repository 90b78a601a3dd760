"""Thin Celery wrappers. Tasks take ids, re-read the database and are safe to run twice.

The CAF's PDF copies are rendered by the shared pipeline's tasks (config/documents/tasks.py)."""

from celery import shared_task

from . import services


@shared_task(name="caf.notify_overdue_actions")
def notify_overdue_actions() -> int:
    """Tell owners and lead professionals, once, of actions that have become overdue."""
    return services.actions_overdue_notify()


@shared_task(name="caf.notify_reviews_due")
def notify_reviews_due() -> int:
    """Tell lead professionals and teams, once, of reviews due within three working days."""
    return services.reviews_due_notify()
