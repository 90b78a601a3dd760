"""Every change to agencies, accounts and memberships. Each is atomic and records who made it."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.history import acted_by as _as  # records the acting user for history
from config.history import has_changes

from .models import AccountEmail, Agency, Membership, User


@transaction.atomic
def agency_create(*, actor: User | None, **fields) -> Agency:
    """Create an agency with its own group."""
    agency = Agency(**fields)
    agency.full_clean(exclude=["group"])
    _as(agency, actor).save()
    return agency


@transaction.atomic
def agency_update(*, actor: User, agency: Agency, **fields) -> Agency:
    """Change an agency's details; the history records each changed field."""
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.full_clean(exclude=["group"])
    if has_changes(agency):
        _as(agency, actor).save()
    return agency


@transaction.atomic
def user_create(*, actor: User | None, email: str, full_name: str, password: str | None = None, **fields) -> User:
    """Create an account; without a password it cannot be used until its owner sets one."""
    user = User(email=email.strip().lower(), full_name=full_name.strip(), **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    _as(user, actor).save()
    return user


@transaction.atomic
def profile_update(*, actor: User, user: User, **fields) -> User:
    """A practitioner changes their own profile."""
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    if has_changes(user):
        _as(user, actor).save()
    return user


@transaction.atomic
def notification_preference_update(*, actor: User, user: User, notification_email: str) -> User:
    """Choose an email for each notification or one daily digest. Emails not yet sent follow the new choice."""
    if user.notification_email == notification_email:
        return user  # an unchanged save changes nothing, not even the history
    user.notification_email = notification_email
    user.full_clean(exclude=["password"])
    _as(user, actor).save(update_fields=["notification_email"])
    return user


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    agency: Agency,
    email: str,
    role: str = Membership.Role.PRACTITIONER,
    full_name: str = "",
    job_title: str = "",
) -> Membership:
    """Add a practitioner to an agency, creating and inviting their account if it does not exist."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    invited = False
    if user is None:
        if not full_name.strip():
            raise ValidationError(
                {"full_name": "Enter the person's full name: there is no account with that email address yet"}
            )
        user = user_create(actor=actor, email=email, full_name=full_name, job_title=job_title)
        invited = True
    if Membership.objects.current().filter(agency=agency, user=user).exists():
        raise ValidationError({"email": f"{user.full_name} is already a member of {agency.name}"})
    membership = _as(Membership(agency=agency, user=user, role=role), actor)
    membership.save()  # the post_save receiver keeps guardian grants and the agency group in step
    if invited:
        account_email_write(
            kind=AccountEmail.Kind.INVITATION, user=user, agency=agency, key=f"invitation:{membership.pk}"
        )
    return membership


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a member's role; an agency always keeps at least one manager."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.MANAGER and role != Membership.Role.MANAGER:
        _ensure_another_manager(membership)
    if membership.role == role:
        return membership
    membership.role = role
    _as(membership, actor).save()
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership) -> Membership:
    """End a membership (the account and the history stay); an agency always keeps a manager."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_on is not None:
        return membership
    if membership.role == Membership.Role.MANAGER:
        _ensure_another_manager(membership)
    membership.ended_on = timezone.localdate()
    _as(membership, actor).save()
    return membership


def _ensure_another_manager(membership: Membership) -> None:
    others = (
        Membership.objects.current()
        .select_for_update()
        .filter(agency=membership.agency, role=Membership.Role.MANAGER)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError(
            f"{membership.agency.name} must keep at least one manager. Make someone else a manager first."
        )


# --- Account emails, through their outbox (AccountEmail) -------------------------------------------------


def account_email_write(*, kind: str, user: User, key: str, agency: Agency | None = None) -> AccountEmail | None:
    """Write the outbox row in the caller's transaction and queue its send after commit (never raising into
    the request: with the broker away the row waits for the sweeper). None if this key was written before."""
    defaults = {"kind": kind, "user": user, "agency": agency}
    email, created = AccountEmail.objects.get_or_create(key=key, defaults=defaults)
    if not created:
        return None
    transaction.on_commit(lambda: account_email_enqueue(email.pk))
    return email


def account_email_enqueue(email_id: int) -> bool:
    from config.queueing import publish

    from .tasks import send_account_email

    return publish(send_account_email, (email_id,), f"account email {email_id}")


def password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])


def account_email_send(email_id: int) -> int:
    """Send one outbox row if still unsent: 1 if this run sent it, else 0. Locked while sending and marked
    sent in the same transaction, like notification emails (agencies.notifications.email_send)."""
    with transaction.atomic():
        email = (
            AccountEmail.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user", "agency")
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None or not email.user.is_active:
            return 0
        user = email.user
        # The token is made now, from the account as it is now: a password set since makes it void.
        context = {"user": user, "agency": email.agency, "link": password_reset_link(user)}
        context["service_name"] = settings.SERVICE_NAME
        context["link_hours"] = settings.PASSWORD_RESET_TIMEOUT // 3600
        if email.kind == AccountEmail.Kind.INVITATION:
            agency_name = email.agency.name if email.agency else "an agency"
            subject = f"You have been added to {agency_name} on {settings.SERVICE_NAME}"
            body = render_to_string("agencies/email/invitation.txt", context)
        else:
            subject = render_to_string("registration/password_reset_subject.txt", {"site_name": settings.SERVICE_NAME})
            body = render_to_string("registration/password_reset_email.txt", context)
        send_mail(subject=" ".join(subject.split()), message=body, from_email=None, recipient_list=[user.email])
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return 1


def account_emails_sweep(older_than=None) -> int:
    """Queue again every account email still unsent after OUTBOX_STALE_AFTER_SECONDS."""
    from datetime import timedelta

    older_than = timedelta(seconds=settings.OUTBOX_STALE_AFTER_SECONDS) if older_than is None else older_than
    stale = AccountEmail.objects.filter(
        sent_at__isnull=True, created_at__lt=timezone.now() - older_than, user__is_active=True
    ).values_list("pk", flat=True)
    return sum(account_email_enqueue(pk) for pk in stale[:1000])


def sessions_end(*, user: User, current_key: str | None, handle: str | None = None) -> int:
    """End one of the user's other sessions (by its handle), or all of them but this one: how many ended."""
    from .models import SignedInSession
    from .selectors import session_handle

    others = SignedInSession.objects.filter(user=user).exclude(session_key=current_key or "")
    if handle is not None:
        keys = [key for key in others.values_list("session_key", flat=True) if session_handle(key) == handle]
        others = others.filter(session_key__in=keys)
    deleted, _ = others.delete()
    return deleted
