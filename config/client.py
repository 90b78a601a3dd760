"""Who is on the other end of a request: the client's real address behind the TLS proxy, and its user agent.

Every audit row (access events, sign-in events) and the sign-in throttle read the address from here, so a
deployment behind a proxy records its users' addresses rather than the proxy's. `TRUSTED_PROXY_COUNT`
(README) says how many proxies we run in front of the application: each appends the address it received
the request from to `X-Forwarded-For`, so the client is the entry that many places from the right. Entries
further left were written by the client itself and are never believed.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address as the outermost of our own proxies saw it; `REMOTE_ADDR` with none in front."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # A request that did not pass through all our proxies (or a proxy not set up to append): the
        # nearest hop is all we know for certain.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def user_agent(request) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:300]
