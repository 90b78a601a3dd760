"""Every change to a referral. Each transition locks the row, checks who may make it and from which
state, records who and when, and queues its emails after commit. Two people answering at once: the
first wins and the second is told what happened."""

from datetime import date, timedelta

import holidays
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from agencies.notifications import Event, agency_managers, agency_members, mark_read, notify
from caf.models import Assessment
from children.models import AccessEvent, Child, Disclosure, Involvement
from config.history import acted_by as _as  # records the acting user for history

from .models import Referral


class AlreadyAnswered(Exception):
    """The referral is no longer in a state that allows this: someone else got there first."""

    def __init__(self, referral: Referral):
        if referral.status == Referral.Status.SENT:
            text = "This referral has not been accepted yet, so it cannot be completed. Nothing was changed."
        else:
            closing = referral.status in (Referral.Status.WITHDRAWN, Referral.Status.COMPLETED)
            person = referral.closed_by if closing else referral.answered_by
            moment = referral.closed_at if closing else referral.answered_at
            who = person.full_name if person else "someone"
            when = timezone.localtime(moment or timezone.now())
            text = (
                f"This referral has already been {referral.get_status_display().lower()} by {who} "
                f"on {when:%d %B %Y at %H:%M}. Nothing was changed."
            )
        super().__init__(text)
        self.referral = referral


# --- Working days -----------------------------------------------------------------------------------


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start`: weekends and England's bank holidays do not count."""
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, start.year + 2))
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in bank_holidays:
            left -= 1
    return current


def expected_response_days(agency: Agency, urgency: str) -> int:
    """The receiving agency's stated response time (its directory sheet), or the area's default."""
    profile = getattr(agency, "directory_profile", None)
    if urgency == Referral.Urgency.URGENT:
        days = getattr(profile, "urgent_response_days", None)
        return days or settings.REFERRAL_DEFAULT_URGENT_DAYS
    return getattr(profile, "expected_response_days", None) or settings.REFERRAL_DEFAULT_RESPONSE_DAYS


# --- Sending ------------------------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *,
    actor: User,
    child: Child,
    from_agency: Agency,
    to_agency: Agency,
    reason: str,
    tried: str = "",
    urgency: str = Referral.Urgency.ROUTINE,
    share_caf: bool = False,
    basis: str = Referral.Basis.CONSENT,
    lawful_basis: str = "",
    override_reason: str = "",
    redirected_from: Referral | None = None,
    to_service=None,
) -> Referral:
    """Send a referral: checked on the server for who, to whom, why and on what sharing basis."""
    errors = {}
    if not access.is_member(actor, from_agency.pk):
        raise PermissionDenied("You can only refer on behalf of your own agency")
    if to_agency.pk == from_agency.pk:
        errors["to_agency"] = "Choose another agency: you cannot refer to your own agency"
    elif not to_agency.is_active:
        errors["to_agency"] = f"{to_agency.name} is no longer active: choose another agency"
    if not reason.strip():
        errors["reason"] = "Enter the reason for the referral and the child's needs"
    if to_service is not None and to_service.agency_id != to_agency.pk:
        errors["to_service"] = (
            f"{to_service.name} is run by {to_service.agency.name}: choose that agency, or another service"
        )
    elif to_service is not None and to_service.status != to_service.Status.ACTIVE:
        errors["to_service"] = f"{to_service.name} is not running at the moment: choose another service"
    caf = None
    if share_caf and not access.may_share_caf(actor, child):
        errors["share_caf"] = (
            "You cannot share the CAF: the family's consent does not let your agency read it. "
            "Ask the lead professional to share it"
        )
    elif share_caf:
        caf = Assessment.objects.filter(child=child, is_current=True).exclude(status=Assessment.Status.DRAFT).first()
        if caf is None:
            errors["share_caf"] = "There is no completed CAF to share"
    if basis == Referral.Basis.CONSENT:
        if not errors.get("to_agency") and not access.referral_consent_covers(child, to_agency, with_caf=share_caf):
            consent = child.current_consent
            in_force = consent is not None and not consent.is_withdrawn
            errors["basis"] = (
                f"The family's consent does not cover sharing {'the CAF' if share_caf else 'basic details'} with "
                f"{to_agency.name}. "
                + (
                    f"Confirm the family's consent for {to_agency.name} on the child's record, record new consent, "
                    if in_force
                    else "Record new consent, "
                )
                + "or ask an agency manager to record a safeguarding override"
            )
    elif basis == Referral.Basis.OVERRIDE:
        if not access.may_authorise_override(actor, from_agency.pk):
            errors["basis"] = "Only an agency manager may authorise sharing without consent"
        if not lawful_basis.strip():
            errors["lawful_basis"] = "Enter the lawful basis for sharing without consent"
        if not override_reason.strip():
            errors["override_reason"] = "Enter the reason for sharing without consent"
    else:
        errors["basis"] = "Select the sharing basis"
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    disclosure = _as(
        Disclosure(
            child=child,
            what="Basic details and the referral" + (f", and CAF version {caf.version}" if caf else ""),
            scope=Disclosure.Scope.ADDITIONAL if caf else Disclosure.Scope.BASIC,
            shared_with=to_agency,
            purpose=f"Referral: {reason.strip()[:1800]}",
            basis=Disclosure.Basis.OVERRIDE if basis == Referral.Basis.OVERRIDE else Disclosure.Basis.CONSENT,
            lawful_basis=lawful_basis.strip(),
            reason=override_reason.strip(),
            decided_by=actor,
            decided_by_agency=from_agency,
        ),
        actor,
    )
    disclosure.save()
    referral = _as(
        Referral(
            child=child,
            from_agency=from_agency,
            from_user=actor,
            to_agency=to_agency,
            to_service=to_service,
            reason=reason.strip(),
            tried=tried.strip(),
            urgency=urgency,
            share_caf=bool(caf),
            caf=caf,
            basis=basis,
            disclosure=disclosure,
            status=Referral.Status.SENT,
            sent_at=now,
            respond_by=add_working_days(timezone.localdate(), expected_response_days(to_agency, urgency)),
            redirected_from=redirected_from,
        ),
        actor,
    )
    referral.save()
    access.refresh_coverage([child.pk])
    _notify_received(referral, actor, f"New {referral.get_urgency_display().lower()} referral from {from_agency.name}")
    return referral


# --- Opening -----------------------------------------------------------------------------------------


@transaction.atomic
def referral_opened(*, request, referral: Referral, rights: access.ReferralAccess | None = None) -> None:
    """Someone opened the referral: record who looked (with its child), and mark read what pointed them to it."""
    from children.services import access_event_record

    rights = access.referral_access_for(request.user, referral, rights)
    access_event_record(
        request=request,
        child=referral.child,
        action=AccessEvent.Action.VIEW,
        what=f"Referral #{referral.pk}",
        rights=rights.child,
    )
    mark_read(request.user, link=referral.get_absolute_url())


# --- Answering ----------------------------------------------------------------------------------------


def _lock(referral: Referral) -> Referral:
    # No select_related here: after waiting for the lock PostgreSQL re-reads this row but not joined ones,
    # so the loser of a race would see a stale answered_by.
    return Referral.objects.select_for_update().get(pk=referral.pk)


def _require_receiver(rights: access.ReferralAccess) -> None:
    if not rights.receiving:
        raise PermissionDenied("Only members of the receiving agency can answer this referral")


def _answer(actor: User, referral: Referral, rights: access.ReferralAccess, status: str, reason: str = "") -> Referral:
    locked = _lock(referral)
    _require_receiver(rights)
    if locked.status != Referral.Status.SENT:
        raise AlreadyAnswered(locked)
    locked.status = status
    locked.answered_at = timezone.now()
    locked.answered_by = actor
    locked.answer_reason = reason.strip()
    if status in (Referral.Status.DECLINED, Referral.Status.REDIRECTED):
        locked.closed_at = locked.answered_at
    _as(locked, actor).save()
    access.refresh_coverage([locked.child_id])
    return locked


@transaction.atomic
def referral_accept(*, actor: User, referral: Referral, rights: access.ReferralAccess | None = None) -> Referral:
    """Accept: the receiving agency joins the team around the child. `rights` are the actor's on the referral,
    when the caller has them already (`access.referral_access`); each answering service takes them so."""
    rights = access.referral_access_for(actor, referral, rights)
    referral = _answer(actor, referral, rights, Referral.Status.ACCEPTED)
    Child.objects.select_for_update().get(pk=referral.child_id)  # two acceptances for one child: one at a time
    if not Involvement.objects.current().filter(child=referral.child, agency=referral.to_agency).exists():
        _as(
            Involvement(child=referral.child, agency=referral.to_agency, role="Accepted a referral"),
            actor,
        ).save()
        access.refresh_coverage([referral.child_id])
    _notify_sender(referral, actor, Event.REFERRAL_ACCEPTED, f"{referral.to_agency.name} accepted your referral")
    return referral


@transaction.atomic
def referral_decline(
    *, actor: User, referral: Referral, reason: str, rights: access.ReferralAccess | None = None
) -> Referral:
    """Decline, with a reason the sender will read. The agency's access to the child ends."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the referral is declined"})
    rights = access.referral_access_for(actor, referral, rights)
    referral = _answer(actor, referral, rights, Referral.Status.DECLINED, reason)
    _notify_sender(referral, actor, Event.REFERRAL_DECLINED, f"{referral.to_agency.name} declined your referral")
    return referral


@transaction.atomic
def referral_redirect(
    *, actor: User, referral: Referral, to_agency: Agency, reason: str, rights: access.ReferralAccess | None = None
) -> Referral:
    """Redirect to a better-placed agency, with a reason: a linked referral continues the chain."""
    errors = {}
    if not reason.strip():
        errors["reason"] = "Enter why the referral is redirected"
    if to_agency.pk in (referral.to_agency_id, referral.from_agency_id):
        errors["to_agency"] = "Choose an agency other than the one that sent or received the referral"
    elif not to_agency.is_active:
        errors["to_agency"] = f"{to_agency.name} is no longer active: choose another agency"
    if errors:
        raise ValidationError(errors)
    rights = access.referral_access_for(actor, referral, rights)
    if referral.basis == Referral.Basis.OVERRIDE and not rights.may_pass_on_without_consent:
        raise PermissionDenied("This referral was shared without consent: only a manager of your agency may pass it on")
    referral = _answer(actor, referral, rights, Referral.Status.REDIRECTED, reason)
    child = Child.objects.select_related("current_consent").get(pk=referral.child_id)
    if referral.basis == Referral.Basis.CONSENT and not access.referral_consent_covers(
        child, to_agency, with_caf=referral.share_caf
    ):
        raise ValidationError({"to_agency": f"The family's consent does not cover {to_agency.name}"})
    onward = _as(
        Referral(
            child=child,
            from_agency=referral.from_agency,
            from_user=referral.from_user,
            to_agency=to_agency,
            reason=referral.reason,
            tried=referral.tried,
            urgency=referral.urgency,
            share_caf=referral.share_caf,
            caf=referral.caf,
            basis=referral.basis,
            status=Referral.Status.SENT,
            sent_at=timezone.now(),
            respond_by=add_working_days(timezone.localdate(), expected_response_days(to_agency, referral.urgency)),
            redirected_from=referral,
        ),
        actor,
    )
    onward.disclosure = _as(
        Disclosure(
            child=child,
            what=f"Referral redirected by {referral.to_agency.name}",
            scope=Disclosure.Scope.ADDITIONAL if referral.share_caf else Disclosure.Scope.BASIC,
            shared_with=to_agency,
            purpose=f"Redirected referral: {reason.strip()[:1800]}",
            basis=Disclosure.Basis.OVERRIDE if referral.basis == Referral.Basis.OVERRIDE else Disclosure.Basis.CONSENT,
            lawful_basis=referral.disclosure.lawful_basis if referral.disclosure else "",
            reason=referral.disclosure.reason if referral.disclosure else "",
            decided_by=actor,
            decided_by_agency=referral.to_agency,
        ),
        actor,
    )
    onward.disclosure.save()
    onward.save()
    access.refresh_coverage([child.pk])
    _notify_sender(
        referral,
        actor,
        Event.REFERRAL_REDIRECTED,
        f"{referral.to_agency.name} redirected your referral to {to_agency.name}",
    )
    _notify_received(onward, actor, f"Referral redirected to you by {referral.to_agency.name}")
    return onward


@transaction.atomic
def referral_withdraw(
    *, actor: User, referral: Referral, reason: str = "", rights: access.ReferralAccess | None = None
) -> Referral:
    """The sending agency withdraws a referral that has not been answered."""
    rights = access.referral_access_for(actor, referral, rights)
    locked = _lock(referral)
    if not rights.sending:
        raise PermissionDenied("Only the sending agency can withdraw this referral")
    if locked.status != Referral.Status.SENT:
        raise AlreadyAnswered(locked)
    locked.status = Referral.Status.WITHDRAWN
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.answer_reason = reason.strip()
    _as(locked, actor).save()
    access.refresh_coverage([locked.child_id])
    # The receiving agency was told of the referral by email, so it is told of the withdrawal the same way.
    _notify_receivers(locked, actor, Event.REFERRAL_WITHDRAWN, f"{locked.from_agency.name} withdrew a referral")
    return locked


@transaction.atomic
def referral_complete(
    *, actor: User, referral: Referral, outcome: str, rights: access.ReferralAccess | None = None
) -> Referral:
    """The receiving agency records the outcome of an accepted referral."""
    if not outcome.strip():
        raise ValidationError({"outcome": "Enter the outcome of the referral"})
    rights = access.referral_access_for(actor, referral, rights)
    locked = _lock(referral)
    _require_receiver(rights)
    if locked.status != Referral.Status.ACCEPTED:
        raise AlreadyAnswered(locked)
    locked.status = Referral.Status.COMPLETED
    locked.outcome = outcome.strip()
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    _as(locked, actor).save()
    access.refresh_coverage([locked.child_id])
    _notify_sender(locked, actor, Event.REFERRAL_COMPLETED, f"{locked.to_agency.name} completed your referral")
    return locked


# --- Notifications and email ----------------------------------------------------------------------
# In the product: the receiving agency's current members of what reaches it, the sender of the answers.
# By email: a new (or withdrawn) referral goes to the agency's referrals address and its managers, an
# answer to the sender. Each is one occurrence per referral and event, so nobody is told twice.


def _occurrence(referral: Referral, event: str) -> str:
    return f"referral:{referral.pk}:{event.removeprefix('referral_')}"


def _receiving_emails(agency: Agency) -> list:
    return ([agency.email] if agency.email else []) + agency_managers(agency)


def _notify_received(referral: Referral, actor: User, text: str) -> None:
    _notify_receivers(referral, actor, Event.REFERRAL_RECEIVED, text)


def _notify_receivers(referral: Referral, actor: User, event: str, text: str) -> None:
    agency = referral.to_agency
    notify(
        event=event,
        recipients=agency_members(agency),
        occurrence=_occurrence(referral, event),
        text=text,
        link=referral.get_absolute_url(),
        actor=actor,
        email_to=_receiving_emails(agency),
    )


def _notify_sender(referral: Referral, actor: User, event: str, text: str) -> None:
    notify(
        event=event,
        recipients=[referral.from_user],
        occurrence=_occurrence(referral, event),
        text=text,
        link=referral.get_absolute_url(),
        actor=actor,
    )
