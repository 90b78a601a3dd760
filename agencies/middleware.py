"""Session time-outs and caching rules for signed-in pages."""

import ipaddress
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseForbidden
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .models import PendingSubmission, SignInEvent
from .signals import client_details

LAST_ACTIVITY = "last_activity"
SIGNED_IN_AT = "signed_in_at"
# Requests a page makes by itself (polling for a document, say) must not keep an idle session alive.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REQUEST"


class SessionTimeoutMiddleware:
    """Sign a user out after a period without activity, and after an absolute session lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY, now)
            started = request.session.setdefault(SIGNED_IN_AT, now)
            idle = now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            expired = now - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds()
            if idle or expired:
                return self._sign_out(request)
            if not request.META.get(BACKGROUND_HEADER):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)

    def _sign_out(self, request):
        user = request.user
        ip, agent = client_details(request)
        back_to = request.get_full_path()
        if request.method == "POST" and request.headers.get("X-Autosave"):
            # An autosave posts elsewhere; the user belongs back on the page they were typing in.
            page_path = request.headers.get("X-Page-Path", "")
            back_to = page_path if url_has_allowed_host_and_scheme(page_path, allowed_hosts=None) else back_to
        if request.method == "POST" and _csrf_ok(request):
            # Keep what was typed: the page offers it back after the user signs in again.
            data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
            PendingSubmission.objects.create(user=user, path=urlsplit(back_to).path[:300], data=data)
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


def pending_submission_take(request):
    """The form data kept for this user and page when their session timed out, if any (used once)."""
    pending = PendingSubmission.objects.filter(user=request.user, path=request.path).first()
    if pending is None:
        return None
    PendingSubmission.objects.filter(user=request.user, path=request.path).delete()
    return pending.data


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
