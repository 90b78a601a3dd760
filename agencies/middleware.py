"""Session time-outs and caching rules for signed-in pages."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .models import SignInEvent
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
        # The sign-out event is ours, not a user's sign-out: stop the signal handler recording one too.
        request._timed_out = True
        logout(request)
        SignInEvent.objects.create(
            kind=SignInEvent.Kind.TIMED_OUT, user=user, email=user.email, ip_address=ip, user_agent=agent
        )
        target = reverse("sign-in") + "?" + urlencode({"next": request.get_full_path(), "timed_out": "1"})
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
