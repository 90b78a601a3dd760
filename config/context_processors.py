from django.conf import settings
from django.utils.functional import cached_property


class UnreadCount:
    """The signed-in user's unread notifications, counted the first time a template asks and only then (a
    page that does not show the header costs no query)."""

    def __init__(self, user, value: int | None = None):
        self.user = user
        if value is not None:  # counted already, with the page's other counts
            self.__dict__["value"] = value

    @staticmethod
    def subquery(user):
        """The count as a subquery, for a page to ask with a query it makes anyway (then pass the value in)."""
        from django.db.models import Func, IntegerField, Subquery

        from agencies.selectors import unread_notifications

        counted = unread_notifications(user).order_by().annotate(n=Func("pk", function="COUNT"))
        return Subquery(counted.values("n"), output_field=IntegerField())

    @cached_property
    def value(self) -> int:
        from agencies.selectors import unread_notification_count

        return unread_notification_count(self.user)


def service(request):
    """The service's name, the session time-out figures the warning script needs, and the header's count."""
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    user = getattr(request, "user", None)
    return {
        "unread_notifications": UnreadCount(user) if user is not None and user.is_authenticated else None,
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
    if url_name in ("profile", "password-change", "notification-preferences"):
        return "profile"
    return ""
