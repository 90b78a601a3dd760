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

from .history import has_changes
from .models import Agency, Membership, User


def _as(instance, actor):
    # simple-history takes the acting user from the request; set it explicitly so the same service
    # records the right person when called from a task or a management command.
    instance._history_user = actor
    return instance


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
        transaction.on_commit(lambda: invitation_send(user=user, agency=agency))
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


def invitation_send(*, user: User, agency: Agency) -> None:
    """Email a new member a link to set their password (a password-reset token, valid three days)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token])
    context = {"user": user, "agency": agency, "link": link, "service_name": settings.SERVICE_NAME}
    send_mail(
        subject=f"You have been added to {agency.name} on {settings.SERVICE_NAME}",
        message=render_to_string("agencies/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
