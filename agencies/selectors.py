"""Reads about agencies and practitioners."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from config.current import current_via
from config.history import HistoryEntry, history_entries

from .models import ADMIN_SITE_CHANGE, Agency, Membership, Notification, User


def agencies_for_list():
    """Active agencies with their number of current members, in one query."""
    return Agency.objects.filter(is_active=True).annotate(
        member_count=Count("memberships", filter=Q(current_via("memberships")))
    )


def agency_members(agency: Agency):
    """The agency's current members, with their accounts, in one query."""
    return Membership.objects.current().filter(agency=agency).select_related("user").order_by("user__full_name")


def memberships_of(user: User):
    return Membership.objects.current().filter(user=user).select_related("agency").order_by("agency__name")


def agency_history(agency: Agency) -> list[HistoryEntry]:
    """The agency's change history and its memberships', newest first."""
    agency_records = agency.history.select_related("history_user").all()
    membership_records = Membership.history.filter(agency_id=agency.pk).select_related("history_user", "user").all()
    records = sorted([*agency_records, *membership_records], key=lambda r: r.history_date, reverse=True)

    def describe(record):
        if record.instance_type is Agency:
            return "Agency details"
        return f"Membership of {record.user.full_name}"

    return history_entries(records, describe)


ADMIN_CHANGES_SHOWN_DAYS = 90


def admin_membership_changes(agency: Agency, days: int = ADMIN_CHANGES_SHOWN_DAYS) -> list[HistoryEntry]:
    """Membership changes made in the administration site in the last `days` days, newest first: an agency's
    managers are shown every one, because a platform administrator is not one of them."""
    since = timezone.now() - timedelta(days=days)
    changed = Membership.history.filter(
        agency_id=agency.pk, history_change_reason=ADMIN_SITE_CHANGE, history_date__gte=since
    ).values_list("id", flat=True)
    # Each change needs its previous version to show what changed, whoever made that one.
    records = Membership.history.filter(id__in=changed).select_related("history_user", "user").order_by("-history_date")
    entries = history_entries(records, lambda record: f"Membership of {record.user.full_name}")
    return [e for e in entries if e.reason == ADMIN_SITE_CHANGE and e.when >= since]


# --- Notifications ----------------------------------------------------------------------------------


def notifications_for(user: User):
    """The user's own notifications, newest first (index notification_list). Nobody sees another's."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_notifications(user: User):
    return notifications_for(user).filter(read_at__isnull=True)


def unread_notification_count(user: User) -> int:
    """One count on the partial index of unread rows: cheap enough for the header of every page."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@dataclass(frozen=True)
class SessionRow:
    """One of a user's signed-in sessions as "Your sessions" shows it; `handle` names it without its key."""

    handle: str
    is_current: bool
    device: str
    address: str
    signed_in_at: datetime | None
    last_active_at: datetime | None


def session_handle(session_key: str) -> str:
    """A name for a session that cannot be used as one: pages never carry another session's key."""
    import hashlib

    return hashlib.sha256(session_key.encode()).hexdigest()[:24]


def device_of(user_agent: str) -> str:
    """ "Firefox on Windows": enough for a practitioner to recognise their own browsers."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for token, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Chromium/", "Chromium"),
                ("Safari/", "Safari"),
            )
            if token in agent
        ),
        "A browser",
    )
    system = next(
        (
            name
            for token, name in (
                ("iPhone", "an iPhone"),
                ("iPad", "an iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "a Mac"),
                ("CrOS", "a Chromebook"),
                ("Linux", "Linux"),
            )
            if token in agent
        ),
        None,
    )
    return f"{browser} on {system}" if system else browser


def sessions_of(user: User, current_key: str | None) -> list[SessionRow]:
    """The user's sessions that have not expired, this one first, then the most recently active."""
    from .models import SignedInSession

    rows = SignedInSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-last_active_at")
    sessions = [
        SessionRow(
            handle=session_handle(row.session_key),
            is_current=row.session_key == current_key,
            device=device_of(row.user_agent),
            address=row.address or "unknown",
            signed_in_at=row.signed_in_at,
            last_active_at=row.last_active_at,
        )
        for row in rows
    ]
    return sorted(sessions, key=lambda s: not s.is_current)
