"""Reads about referrals. Visibility comes from agencies.access."""

import statistics
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from children.selectors import CHILD_LINK_FIELDS

from .models import Referral

TABS = {
    "new": ("New", Q(status=Referral.Status.SENT, answered_at__isnull=True)),
    "awaiting": ("Awaiting response", Q(status=Referral.Status.SENT)),
    "overdue": ("Overdue", Q(status=Referral.Status.SENT)),  # narrowed by date in inbox()
    "accepted": ("Accepted", Q(status=Referral.Status.ACCEPTED)),
    "closed": (
        "Closed",
        Q(
            status__in=[
                Referral.Status.DECLINED,
                Referral.Status.REDIRECTED,
                Referral.Status.WITHDRAWN,
                Referral.Status.COMPLETED,
            ]
        ),
    ),
}


def _tab_filter(tab: str) -> Q:
    label, condition = TABS[tab]
    if tab == "overdue":
        condition &= Q(respond_by__lt=timezone.localdate())
    if tab == "new":
        condition &= Q(sent_at__gte=timezone.now() - timedelta(days=2))
    return condition


def inbox_counts(agency_ids) -> dict[str, int]:
    """The number in each tab of the inbox, in one query."""
    base = Referral.objects.filter(to_agency_id__in=agency_ids)
    return base.aggregate(**{tab: Count("pk", filter=_tab_filter(tab)) for tab in TABS})


def inbox_count_subqueries(agency_ids, tabs) -> dict:
    """The number in each of `tabs` of the agencies' inbox, as scalar subqueries, to be asked in one query
    alongside other counts (the same filters as `inbox_counts`)."""
    from django.db.models import Func, IntegerField, Subquery

    base = Referral.objects.filter(to_agency_id__in=agency_ids).order_by()
    return {
        tab: Subquery(
            base.filter(_tab_filter(tab)).annotate(n=Func("pk", function="COUNT")).values("n"),
            output_field=IntegerField(),
        )
        for tab in tabs
    }


def inbox(agency, tab: str, urgency: str = "", sent_from: date | None = None, sent_to: date | None = None):
    referrals = Referral.objects.filter(to_agency=agency).filter(_tab_filter(tab))
    if urgency:
        referrals = referrals.filter(urgency=urgency)
    if sent_from:
        referrals = referrals.filter(sent_at__date__gte=sent_from)
    if sent_to:
        referrals = referrals.filter(sent_at__date__lte=sent_to)
    # Open referrals by their deadline; closed ones most recent first (an index on to_agency, -sent_at).
    order = ("-sent_at", "-pk") if tab == "closed" else ("respond_by", "pk")
    # The columns the inbox shows (the child's name and link, the sender agency's name), not whole rows.
    return (
        referrals.select_related("child", "from_agency")
        .only(
            "pk",
            "status",
            "urgency",
            "sent_at",
            "respond_by",
            "child_id",
            "from_agency_id",
            *(f"child__{name}" for name in CHILD_LINK_FIELDS),
            "from_agency__name",
        )
        .order_by(*order)
    )


def redirect_targets(referral):
    """The agencies a referral may be redirected to: active ones other than those that sent and received it."""
    from agencies.models import Agency

    return Agency.objects.filter(is_active=True).exclude(pk__in=[referral.to_agency_id, referral.from_agency_id])


def sent_by(user):
    return (
        Referral.objects.filter(from_user=user, redirected_from__isnull=True)
        .select_related("child", "to_agency", "redirected_to__to_agency", "redirected_to__redirected_to__to_agency")
        .order_by("-sent_at")
    )


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, int(round(share * len(ranked) + 0.5)) - 1))]


def measures(agency, since: date, until: date) -> dict:
    """An agency's response figures for a period: received, time to first answer, share of each answer,
    and the longest redirect chains its referrals were part of."""
    received = Referral.objects.filter(to_agency=agency, sent_at__date__gte=since, sent_at__date__lte=until)
    answered = list(received.filter(answered_at__isnull=False).values_list("sent_at", "answered_at", "status"))
    hours = [(a - s).total_seconds() / 3600 for s, a, _ in answered]
    total = received.count()
    counts = dict(received.values_list("status").annotate(n=Count("pk")))

    def share(*statuses):
        n = sum(counts.get(s, 0) for s in statuses)
        return (100 * n / total) if total else 0

    chains = []
    for referral in received.filter(
        Q(redirected_from__isnull=False) | Q(status=Referral.Status.REDIRECTED)
    ).select_related("redirected_from")[:200]:
        chain = referral.chain()
        chains.append((len(chain), chain))
    chains.sort(key=lambda c: -c[0])
    unique, seen = [], set()
    for length, chain in chains:
        key = chain[0].pk
        if key not in seen:
            seen.add(key)
            unique.append((length, chain))
    return {
        "received": total,
        "answered": len(hours),
        "median_hours": statistics.median(hours) if hours else None,
        "p90_hours": _percentile(hours, 0.9),
        "accepted": share(Referral.Status.ACCEPTED, Referral.Status.COMPLETED),
        "declined": share(Referral.Status.DECLINED),
        "redirected": share(Referral.Status.REDIRECTED),
        "awaiting": share(Referral.Status.SENT),
        "chains": unique[:5],
    }
