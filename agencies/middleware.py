"""Session time-outs and caching rules for signed-in pages."""

import ipaddress
import json
import time
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseForbidden, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .models import PendingSubmission, SignInEvent
from .signals import client_details

LAST_ACTIVITY = "last_activity"
SIGNED_IN_AT = "signed_in_at"
# Requests a page makes by itself (polling for a document, say) must not keep an idle session alive.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REQUEST"


# How often a signed-in user's activity is written to the session (a database write): once a minute, or
# more often for a time-out shorter than ten minutes (the tests'), so it stays exact to a tenth of it.
LAST_ACTIVITY_EVERY = 60


def last_activity_resolution() -> float:
    return min(LAST_ACTIVITY_EVERY, settings.SESSION_IDLE_TIMEOUT.total_seconds() / 10)


# The session-timeout script adds this field when it submits a form at the time-out to keep it.
KEEP_FIELD = "_keep_at_timeout"
# Set in the session at sign-in while the user has a kept submission, so no other page pays a query for it.
HAS_KEPT = "has_kept_submission"


class SessionTimeoutMiddleware:
    """Sign a user out after a period without activity, and after an absolute session lifetime; keep
    what a form posted at that moment and put it back into the form after the user signs in again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            written = request.session.get(LAST_ACTIVITY)
            last = now if written is None else written
            started = request.session.setdefault(SIGNED_IN_AT, now)
            idle = now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            expired = now - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if idle or expired:
                return self._sign_out(request)
            if request.method == "POST" and KEEP_FIELD in request.POST and _csrf_ok(request):
                # The page's clock ran out but the session did not (another tab kept it alive): keep the
                # form and show it again, rather than let the view save something nobody pressed Save on.
                page = _page_of(request)
                pending_submission_keep(request, page)
                request.session[HAS_KEPT] = True
                return redirect(page)
            if not request.META.get(BACKGROUND_HEADER) and (
                written is None
                or now - written >= last_activity_resolution()
                or request.path == reverse("session-keep-alive")
            ):
                # Written at most once a minute, so most requests save no session: the idle time-out counts from
                # the minute of the last write, and so ends at most a minute early (never late).
                request.session[LAST_ACTIVITY] = now
            if (
                request.session.get(HAS_KEPT)
                and request.method == "GET"
                and not request.META.get(BACKGROUND_HEADER)
                and not request.htmx
            ):
                return self._offer_back(request)
        return self.get_response(request)

    def _offer_back(self, request):
        pending = pending_submission_for(request)
        if pending is None:
            return self.get_response(request)
        offer = RestoredSubmission(pending.data)
        request.restored_submission = offer
        token = RESTORING.set(offer)
        try:
            response = self.get_response(request)
        finally:
            RESTORING.reset(token)
        if response.status_code == 405:
            # Posted by a button to an address with no page of its own, and the browser did not say which
            # page it was on: say on "My work" that nothing was done, rather than show a blank 405.
            PendingSubmission.objects.filter(pk=pending.pk).update(page=reverse("home"))
            return redirect("home")
        # Offered once: restored into the form (the user saves it or not) or, for a button, reported.
        PendingSubmission.objects.filter(user=request.user, page=pending.page).delete()
        if not kept_submissions_of(request.user).exists():
            request.session.pop(HAS_KEPT, None)
        return response

    def _sign_out(self, request):
        user = request.user
        ip, agent = client_details(request)
        back_to = request.get_full_path()
        if request.method == "POST":
            back_to = _page_of(request)
            if _csrf_ok(request) and request.path not in _not_kept():
                pending_submission_keep(request, back_to)
        # The sign-out event is ours, not a user's sign-out: stop the signal handler recording one too.
        request._timed_out = True
        logout(request)
        SignInEvent.objects.create(
            kind=SignInEvent.Kind.TIMED_OUT, user=user, email=user.email, ip_address=ip, user_agent=agent
        )
        target = reverse("sign-in") + "?" + urlencode({"next": back_to, "timed_out": "1"})
        if request.htmx:
            response = redirect(target)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class RequestMemoMiddleware:
    """Let the access module read the user's agencies and emergency accesses once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import access

        with access.request_memo():
            return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages for signed-in users may show personal data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or getattr(request, "_no_store", False):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


def _csrf_ok(request) -> bool:
    """Only keep a submission that passes the CSRF check the view would have made."""
    return CsrfViewMiddleware(lambda r: None).process_view(request, lambda r: None, (), {}) is None


class LoopbackOnlyMiddleware:
    """Refuse every request from an address that is not loopback (only with DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK).

    Plain HTTP with production settings is for a test deployment on this machine; should such a server
    be bound to a public address by mistake, nobody else may use it (cookies would cross the network in
    clear).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return HttpResponseForbidden(
                "This server is a test deployment that answers only on loopback.", content_type="text/plain"
            )
        return self.get_response(request)


def _not_kept() -> set[str]:
    # Signing out, or staying signed in too late, is not something typed to give back.
    return {reverse("sign-out"), reverse("session-keep-alive")}


def _same_site_path(request, url: str) -> str:
    """The path (and query) of `url` if it is a page of this site, else ""."""
    if not url or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return ""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _page_of(request) -> str:
    """The page a POST came from: where the user belongs after signing in again.

    A form posts to its own page, but a button ("Get a PDF copy", "Revise", "Mark as read") posts to an
    address with no page of its own (a GET there is a 405), and an autosave posts elsewhere too: return
    the user to the page they were on, which the browser names in Referer (same-origin policy keeps it).
    """
    if request.headers.get("X-Autosave"):
        page = _same_site_path(request, request.headers.get("X-Page-Path", ""))
        if page:
            return page
    return _same_site_path(request, request.headers.get("Referer", "")) or request.get_full_path()


def pending_submission_keep(request, page: str) -> PendingSubmission:
    """Keep what was posted for the user and the page they return to (the newest one per page)."""
    data = {k: v for k, v in request.POST.lists() if k not in ("csrfmiddlewaretoken", KEEP_FIELD)}
    page_path = urlsplit(page).path[:300]
    PendingSubmission.objects.filter(user=request.user, page=page_path).delete()
    return PendingSubmission.objects.create(
        user=request.user,
        path=request.path[:300],
        page=page_path,
        # ensure_ascii writes a NUL (or any control character) as a \u escape that text columns accept.
        payload=json.dumps(data, ensure_ascii=True),
    )


def kept_submissions_expired():
    """Kept submissions older than KEPT_SUBMISSION_HOURS: never offered back, and deleted by beat."""
    return PendingSubmission.objects.filter(created_at__lt=timezone.now() - settings.KEPT_SUBMISSION_LIFETIME)


def kept_submissions_of(user):
    """The user's kept submissions still to be offered back (younger than KEPT_SUBMISSION_HOURS)."""
    cutoff = timezone.now() - settings.KEPT_SUBMISSION_LIFETIME
    return PendingSubmission.objects.filter(user=user, created_at__gte=cutoff)


def pending_submission_for(request) -> PendingSubmission | None:
    return kept_submissions_of(request.user).filter(page=request.path).order_by("-created_at").first()


class RestoredSubmission:
    """What a user had typed, offered to the forms of the page they return to (see GovukFormMixin)."""

    def __init__(self, data: dict[str, list[str]]):
        self.query = QueryDict(mutable=True)
        for name, values in data.items():
            self.query.setlist(name, values)
        self.query._mutable = False
        self.used = False

    def offer(self, field_names) -> QueryDict | None:
        """The data, for a form with one of these fields (and only the first such form of the page)."""
        if self.used or not set(field_names) & set(self.query):
            return None
        self.used = True
        return self.query


# Set by SessionTimeoutMiddleware while it serves the page a kept submission belongs to.
RESTORING: ContextVar[RestoredSubmission | None] = ContextVar("restoring_submission", default=None)
