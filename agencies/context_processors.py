from django.conf import settings


def service(request):
    """The service's name and the session time-out figures the warning script needs."""
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    return {
        "nav": _section(url_name or ""),
        "service_name": settings.SERVICE_NAME,
        "session_idle_seconds": int(settings.SESSION_IDLE_TIMEOUT.total_seconds()),
        "session_warning_seconds": int(settings.SESSION_WARNING_BEFORE.total_seconds()),
    }


def _section(url_name: str) -> str:
    """Which item of the service navigation a page belongs to."""
    if url_name == "home" or url_name.startswith("action-"):
        return "home"
    if url_name.startswith(("child", "family-", "involvement-", "lead-", "consent-", "disclosure-", "escalation-")):
        return "children"
    if url_name == "emergency-access" or url_name.startswith("caf-"):
        return "children"
    if url_name.startswith("referral-"):
        return "referrals"
    if url_name.startswith(("agency-", "member-")):
        return "agencies"
    if url_name in ("profile", "password-change"):
        return "profile"
    return ""
