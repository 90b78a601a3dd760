"""The notification service every app uses: tell users that something happened, in the product and by email.

    notify(event=Event.ACTION_OVERDUE, recipients=[user], occurrence=f"action:{action.pk}:overdue",
           text="Action overdue: ...", link=reverse(...), actor=request.user)

- In-app: one `Notification` per (occurrence, recipient); calling again for the same occurrence creates
  nothing. The text is shown only to its recipient, so it may name the child.
- Email: one `NotificationEmail` outbox row per (occurrence, address), written in the caller's transaction.
  Immediate emails are queued after commit (`config.queueing.publish`, which never raises into the
  request); the sweeper (beat, every 15 s) queues again any row still unsent OUTBOX_STALE_AFTER_SECONDS
  later (the broker was away), and `send_notification_email` sends each row exactly once.
  Users who chose the daily digest get one summary a day instead (`send_notification_digests`).
- Emails say only the event's label and the service's name, and link to the notification in the product,
  where access is checked: never a name or a need.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Membership, Notification, NotificationDigest, NotificationEmail, User

logger = logging.getLogger(__name__)

Event = Notification.Event


def email_stale_after() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS)


def agency_members(agency) -> list[User]:
    """The users with a current membership of the agency (any role), active accounts only."""
    return list(
        User.objects.filter(
            is_active=True, memberships__in=Membership.objects.current().filter(agency=agency)
        ).distinct()
    )


def agency_managers(agency) -> list[User]:
    """The users who currently manage the agency, active accounts only."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.current().filter(agency=agency, role=Membership.Role.MANAGER),
        ).distinct()
    )


def _check_link(link: str) -> str:
    # A path inside the product: the open view redirects to it, so it must not lead elsewhere.
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        raise ValueError(f"A notification links to a path inside the product, not {link!r}")
    return link


@transaction.atomic
def notify(
    *,
    event: str,
    recipients,
    occurrence: str,
    text: str,
    link: str,
    actor: User | None = None,
    email_to=None,
) -> list[Notification]:
    """Tell each recipient (Users; duplicates, inactive users and the actor themselves are left out) that
    `event` happened, once per `occurrence`. Returns the notifications created by this call (none for
    recipients who already had one for this occurrence).

    Email goes to every recipient who was told now, unless `email_to` says otherwise: a list of Users and
    plain addresses (such as an agency's shared referrals inbox) to email instead, `[]` for none. A user in
    `email_to` who is not a recipient gets an email without an in-app notification.
    """
    event = Event(event)
    _check_link(link)
    actor_id = actor.pk if actor is not None else None
    people = {}
    for user in recipients:
        if user is not None and user.is_active and user.pk != actor_id:
            people.setdefault(user.pk, user)
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user=user, event=event, occurrence=occurrence, text=text[:300], link=link, actor=actor, created_at=now
            )
            for user in people.values()
        ],
        ignore_conflicts=True,  # an occurrence already notified stays as it was
    )
    # bulk_create with ignore_conflicts does not say which rows it made: those stamped `now` are ours.
    created = list(
        Notification.objects.filter(occurrence=occurrence, user_id__in=people, created_at=now).select_related("user")
    )
    created_for = {n.user_id: n for n in created}

    if email_to is None:
        email_to = [n.user for n in created]
    rows = []
    for target in email_to:
        if isinstance(target, User):
            if not target.is_active or target.pk == actor_id or not target.email:
                continue
            if target.pk in people and target.pk not in created_for:
                continue  # told of this occurrence before: emailed then
            note = created_for.get(target.pk)
            rows.append(
                NotificationEmail(
                    event=event,
                    occurrence=occurrence,
                    recipient=target.email.lower(),
                    user=target,
                    notification=note,
                    link=note.get_absolute_url() if note else link,
                    created_at=now,
                )
            )
        elif target:
            rows.append(
                NotificationEmail(
                    event=event, occurrence=occurrence, recipient=target.lower(), link=link, created_at=now
                )
            )
    NotificationEmail.objects.bulk_create(rows, ignore_conflicts=True)
    immediate = list(
        NotificationEmail.objects.filter(occurrence=occurrence, created_at=now, sent_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__notification_email=User.NotificationEmail.IMMEDIATE))
        .values_list("pk", flat=True)
    )
    for pk in immediate:
        transaction.on_commit(lambda pk=pk: email_enqueue(pk))
    return created


def email_enqueue(email_id: int) -> bool:
    """Queue the send. Never raises: with the broker away the row stays unsent and the sweeper queues it
    again, so the practitioner's request is not held up or failed by the email."""
    from config.queueing import publish

    from .tasks import send_notification_email

    return publish(send_notification_email, (email_id,), f"notification email {email_id}")


DIGEST_SUBJECT = "Your daily summary of notifications"


def email_subject(label: str) -> str:
    """The service's name and the event's label: nothing else, so nothing personal, goes in a subject."""
    return f"{settings.SERVICE_NAME}: {label}"


def _site_link(path: str) -> str:
    return settings.SITE_URL + path


def email_send(email_id: int) -> int:
    """Send one outbox row if it is still unsent and meant to go now. Returns 1 if it sent, else 0.

    The row is locked while sending and marked sent in the same transaction: a second run of the task waits
    or skips (`skip_locked`) and then finds it sent. Only a worker killed after the mail server accepted the
    message and before the commit could send it twice; the alternative (mark first, then send) would lose
    it instead, and a lost safeguarding email is worse than a repeated one.
    """
    with transaction.atomic():
        email = (
            NotificationEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return 0
        if email.user is not None and email.user.notification_email == User.NotificationEmail.DAILY:
            return 0  # the daily digest will cover it
        if email.user is not None and not email.user.is_active:
            return 0
        label = email.get_event_display()
        send_mail(
            subject=email_subject(label),
            message=render_to_string(
                "agencies/email/notification.txt",
                {"label": label, "link": _site_link(email.link), "service_name": settings.SERVICE_NAME},
            ),
            from_email=None,
            recipient_list=[email.recipient],
        )
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return 1


def emails_sweep(older_than: timedelta | None = None) -> int:
    """Queue again every immediate email still unsent after `older_than` (queued while the broker was down,
    or lost with a worker). Sending is idempotent, so queueing a row twice sends it once."""
    older_than = email_stale_after() if older_than is None else older_than
    stale = (
        NotificationEmail.objects.filter(sent_at__isnull=True, created_at__lt=timezone.now() - older_than)
        .filter(
            Q(user__isnull=True) | Q(user__notification_email=User.NotificationEmail.IMMEDIATE, user__is_active=True)
        )
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in stale[:1000]:
        queued += email_enqueue(pk)
    return queued


def digest_day(now: datetime | None = None):
    """The day a digest sent now is for, or None before the hour digests go out."""
    local = timezone.localtime(now)
    if local.hour < settings.NOTIFICATION_DIGEST_HOUR:
        return None
    return local.date()


def digests_send(now: datetime | None = None) -> int:
    """Send each user who chose the daily digest, and has unsent notification emails, one summary for today.
    Returns how many digests were sent. Safe to run as often as beat likes: the (user, day) unique key lets
    one run per user per day through, and each user's digest is one transaction."""
    day = digest_day(now)
    if day is None:
        return 0
    waiting = (
        NotificationEmail.objects.filter(
            sent_at__isnull=True, user__notification_email=User.NotificationEmail.DAILY, user__is_active=True
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(waiting):
        sent += digest_send(user_id, day)
    return sent


def digest_send(user_id: int, day) -> int:
    try:
        with transaction.atomic():
            # Waits for a concurrent run's row, then fails on the unique key: one digest per user per day.
            digest = NotificationDigest.objects.create(user_id=user_id, day=day)
            emails = list(
                NotificationEmail.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, sent_at__isnull=True)
                .order_by("created_at")
            )
            if not emails:
                transaction.set_rollback(True)
                return 0
            user = User.objects.get(pk=user_id)
            labels = {value: label for value, label in Event.choices}
            summary = Counter(labels[e.event] for e in emails)
            send_mail(
                subject=email_subject(DIGEST_SUBJECT),
                message=render_to_string(
                    "agencies/email/notification_digest.txt",
                    {
                        "summary": sorted(summary.items()),
                        "link": _site_link("/notifications/"),
                        "service_name": settings.SERVICE_NAME,
                    },
                ),
                from_email=None,
                recipient_list=[user.email],
            )
            digest.summary = dict(summary)
            digest.save(update_fields=["summary"])
            NotificationEmail.objects.filter(pk__in=[e.pk for e in emails]).update(
                sent_at=timezone.now(), digest=digest
            )
    except IntegrityError:
        return 0  # today's digest has gone already
    return 1


def mark_read(user: User, *, notification: Notification | None = None, link: str | None = None) -> int:
    """Mark as read one notification, or every unread notification of the user pointing at `link` (opening
    the thing itself counts as reading what pointed to it), or all of them."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    elif link is not None:
        unread = unread.filter(link=link)
    return unread.update(read_at=timezone.now())
