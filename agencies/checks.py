"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def check_emails_are_not_written_to_the_log(app_configs, **kwargs):
    if settings.EMAIL_BACKEND != CONSOLE_EMAIL_BACKEND:
        return []
    return [
        Warning(
            "EMAIL_BACKEND is the console backend: every password-reset and invitation link is written to "
            "the server's log, where anyone who reads the log can use it.",
            hint="Set EMAIL_HOST to an SMTP server.",
            id="agencies.W001",
        )
    ]


@register(Tags.security, deploy=True)
def check_plain_http_on_loopback_is_off(app_configs, **kwargs):
    if not getattr(settings, "ALLOW_PLAIN_HTTP_ON_LOOPBACK", False):
        return []
    return [
        Warning(
            "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK is on: cookies are not marked secure, HTTP is not redirected "
            "to HTTPS and only loopback addresses are answered. It is for a test deployment on this machine.",
            hint="Unset DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK and serve over HTTPS.",
            id="agencies.W002",
        )
    ]
