"""Every request has an id, carried by its log lines and its audit rows, so a log line and an access event
can be joined (ASVS 16.2). Behind our own proxy (`TRUSTED_PROXY_COUNT` > 0) the proxy's `X-Request-ID` is
kept, so the id runs from the proxy's log through ours; otherwise a client's header is never believed.
The response carries it back in `X-Request-ID` (gunicorn's access log prints it from there)."""

import logging
import re
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "HTTP_X_REQUEST_ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_of(request) -> str:
    """The id of this request (the middleware sets it; a request made outside it gets one now)."""
    if request is None:
        return ""
    if not getattr(request, "request_id", None):
        request.request_id = uuid.uuid4().hex
    return request.request_id


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get(HEADER, "")
        request.request_id = given if settings.TRUSTED_PROXY_COUNT > 0 and _VALID.match(given) else uuid.uuid4().hex
        # Not reset on the way out: Django logs a 4xx or 5xx after the middleware has returned. The id is
        # cleared when the response is finished (below), and every request sets its own first.
        current_request_id.set(request.request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


@receiver(request_finished)
def forget_request_id(sender, **kwargs):
    current_request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record: the request's, or "-" outside one (a worker, a command)."""

    def filter(self, record):
        record.request_id = current_request_id.get()
        return True
