"""Thin Celery wrappers for notification emails and kept submissions. Tasks take ids, re-read the database and
are safe to run twice."""

from celery import shared_task

from . import notifications, services
from .middleware import kept_submissions_expired


@shared_task(
    name="agencies.send_notification_email",
    autoretry_for=(OSError,),  # the mail server refused or was unreachable: the row is still unsent
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def send_notification_email(email_id: int) -> int:
    """Send one outbox row, once: returns 1 if this run sent it, 0 if it was sent already (or is the digest's)."""
    return notifications.email_send(email_id)


@shared_task(
    name="agencies.send_account_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 5},
)
def send_account_email(email_id: int) -> int:
    """Send one invitation or password-reset email, once."""
    return services.account_email_send(email_id)


@shared_task(name="agencies.sweep_notification_emails")
def sweep_notification_emails() -> int:
    """Queue again outbox emails (notifications and account emails) still unsent OUTBOX_STALE_AFTER_SECONDS
    after they were written (the broker was away, or a worker lost the task)."""
    return notifications.emails_sweep() + services.account_emails_sweep()


@shared_task(name="agencies.send_notification_digests")
def send_notification_digests() -> int:
    """Send today's digest to each user who chose one and has something to read. Runs often; sends once a day."""
    return notifications.digests_send()


@shared_task(name="agencies.sweep_kept_submissions")
def sweep_kept_submissions() -> int:
    """Delete forms kept at a time-out that nobody came back for (they may hold a child's details)."""
    deleted, _ = kept_submissions_expired().delete()
    return deleted
