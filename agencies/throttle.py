"""Guessing passwords is slowed down, without letting a stranger lock a practitioner out.

Three rules, all read from the sign-in events already recorded (no second store to keep in step):

- **The account slows down, for everyone.** After `SIGN_IN_SLOW_AFTER` failures for one account in the
  window, the next attempt for it is answered only after a wait that doubles with each failure (2 s, 4 s,
  8 s … at most `SIGN_IN_SLOW_MAX_SECONDS`), from any address. A guesser gets a few dozen tries an hour;
  the practitioner, who never sees a lock, waits at most a minute. No captcha.
- **An address slows down across accounts.** More than `SIGN_IN_ADDRESS_LIMIT` failures from one address
  in the window (to any accounts) and that address is refused until the window has moved on. The limit
  is generous because a school or council office puts hundreds of practitioners behind one address.
- **Overall.** When failures across every address pass `SIGN_IN_OVERALL_LIMIT` in the window (a guesser
  spread over many addresses), every address gets the tighter `SIGN_IN_ADDRESS_LIMIT_UNDER_ATTACK`.

The hard lock (django-axes) is per account *and* address: five wrong passwords from one place lock that
place out of that account, not the practitioner out of it everywhere.

Password-reset requests are limited the same way: per address (`RESET_ADDRESS_LIMIT`, answered with
"too many requests") and per account (`RESET_ACCOUNT_LIMIT`, silently: the page must not tell a stranger
whether an account exists).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import SignInEvent


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not tried now, and for how long (whole seconds, at least 1)."""

    reason: str  # "account" or "address"
    retry_after: int


def _window():
    return timezone.now() - timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES)


def sign_in_refusal(email: str, address: str | None) -> Refusal | None:
    """Whether a sign-in attempt for `email` from `address` must wait; None when it may be tried now."""
    now = timezone.now()
    since = _window()
    failed = SignInEvent.objects.filter(kind=SignInEvent.Kind.FAILED, at__gte=since)
    counts = failed.aggregate(
        account=Count("pk", filter=Q(email=email)),
        account_last=Max("at", filter=Q(email=email)),
        address=Count("pk", filter=Q(ip_address=address)),
        overall=Count("pk"),
    )
    limit = settings.SIGN_IN_ADDRESS_LIMIT
    if counts["overall"] >= settings.SIGN_IN_OVERALL_LIMIT:
        limit = settings.SIGN_IN_ADDRESS_LIMIT_UNDER_ATTACK
    if address and counts["address"] >= limit:
        oldest = (
            failed.filter(ip_address=address).order_by("-at").values_list("at", flat=True)[limit - 1 : limit].first()
        )
        wait = (oldest + timedelta(minutes=settings.SIGN_IN_WINDOW_MINUTES) - now) if oldest else timedelta(seconds=60)
        return Refusal("address", max(1, int(wait.total_seconds()) + 1))
    over = counts["account"] - settings.SIGN_IN_SLOW_AFTER
    if over >= 0 and counts["account_last"] is not None:
        delay = min(2 ** (over + 1), settings.SIGN_IN_SLOW_MAX_SECONDS)
        wait = counts["account_last"] + timedelta(seconds=delay) - now
        if wait.total_seconds() > 0:
            return Refusal("account", max(1, int(wait.total_seconds() + 0.999)))
    return None


def reset_refusal(email: str, address: str | None) -> str | None:
    """Whether a password-reset request must not be sent: "address" (tell them), "account" (say nothing), or None."""
    since = timezone.now() - timedelta(minutes=settings.RESET_WINDOW_MINUTES)
    requested = SignInEvent.objects.filter(kind=SignInEvent.Kind.RESET_REQUESTED, at__gte=since)
    counts = requested.aggregate(
        address=Count("pk", filter=Q(ip_address=address)), account=Count("pk", filter=Q(email=email))
    )
    if address and counts["address"] >= settings.RESET_ADDRESS_LIMIT:
        return "address"
    if counts["account"] >= settings.RESET_ACCOUNT_LIMIT:
        return "account"
    return None
