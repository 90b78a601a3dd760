"""Record sign-in, sign-out, failed sign-in and lockout events."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from config.client import client_address, user_agent

from . import access
from .models import Membership, SignInEvent, User


def client_details(request) -> tuple[str | None, str]:
    return client_address(request), user_agent(request)


AXES_USERNAME_LENGTH = 255


def axes_username(request, credentials=None) -> str:
    """The account a sign-in attempt is for, as django-axes should count it."""
    source = credentials if credentials else getattr(request, "POST", {})
    # Axes stores at most 255 characters; a longer "email" (no real one is) is still counted and recorded.
    # NUL is in no email address, and PostgreSQL refuses it in text: the attempt is still counted without it.
    typed = (source.get("username") or source.get("email") or "").replace("\x00", "")
    return typed.strip().lower()[:AXES_USERNAME_LENGTH]


def record_sign_in_event(kind, request, user=None, email=""):
    """One row of the account side of the audit trail, with the client's real address and user agent."""
    ip, agent = client_details(request)
    SignInEvent.objects.create(
        kind=kind, user=user, email=(email or getattr(user, "email", ""))[:254], ip_address=ip, user_agent=agent
    )


@receiver(user_logged_in)
def remember_kept_submissions(sender, request, user, **kwargs):
    """Whether pages must look for a form kept at this user's last time-out (agencies.middleware)."""
    from .middleware import HAS_KEPT, kept_submissions_of

    if request is not None and hasattr(request, "session") and kept_submissions_of(user).exists():
        request.session[HAS_KEPT] = True


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    record_sign_in_event(SignInEvent.Kind.SIGNED_IN, request, user)
    if request is not None and hasattr(request, "session"):
        from .sessions import CLIENT_ADDRESS, CLIENT_AGENT

        request.session[CLIENT_ADDRESS], request.session[CLIENT_AGENT] = client_details(request)


@receiver(post_save, sender=User)
def account_saved(sender, instance, **kwargs):
    # Closing an account (here, the admin site, or any other path) ends every one of its sessions at once.
    if not instance.is_active:
        from .models import SignedInSession

        SignedInSession.objects.filter(user=instance).delete()


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "_timed_out", False):
        record_sign_in_event(SignInEvent.Kind.SIGNED_OUT, request, user)


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    email = (credentials.get("username") or credentials.get("email") or "").lower()
    record_sign_in_event(SignInEvent.Kind.FAILED, request, User.objects.filter(email=email).first(), email)


@receiver(user_locked_out)
def locked_out(sender, request, username=None, ip_address=None, **kwargs):
    email = (username or "").lower()
    record_sign_in_event(SignInEvent.Kind.LOCKED_OUT, request, User.objects.filter(email=email).first(), email)


@receiver(post_save, sender=Membership)
def membership_saved(sender, instance, **kwargs):
    access.forget_request_memo()
    # Whoever changes a membership (a service, the admin site), grants follow it in the same transaction.
    access.sync_agency_grants(instance.agency, instance.user)
