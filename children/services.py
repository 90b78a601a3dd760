"""Every change to a child's record, family, team, consent and sharing decisions.

Each service is atomic, checks its rule through `agencies.access` where one applies, and records the
acting user for django-simple-history explicitly (so it is right from a task or a command too).
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agencies import access
from agencies.history import has_changes
from agencies.models import Agency, Membership, User

from .models import (
    AccessEvent,
    Child,
    Consent,
    Disclosure,
    EmergencyAccess,
    FamilyMember,
    Involvement,
    LeadProfessional,
    SafeguardingEscalation,
)


def _as(instance, actor):
    instance._history_user = actor
    return instance


def _acting_agency(actor: User, agency: Agency | None = None) -> Agency:
    agency = agency or access.primary_agency(actor)
    if agency is None or not Membership.objects.current().filter(user=actor, agency=agency).exists():
        raise PermissionDenied("You need to be a member of an agency to do this")
    return agency


# --- Audit ----------------------------------------------------------------------------------------


def access_event_record(*, request, child: Child | None, action: str, what: str) -> AccessEvent:
    """Record who looked at what. Called inside the view's transaction, so no page is served unrecorded."""
    return AccessEvent.objects.create(
        user=request.user,
        agency=access.primary_agency(request.user),
        child=child,
        action=action,
        what=what[:200],
        path=request.path[:300],
        ip_address=request.META.get("REMOTE_ADDR"),
    )


# --- The record -----------------------------------------------------------------------------------


@transaction.atomic
def child_create(*, actor: User, agency: Agency | None = None, role: str = "", **fields) -> Child:
    """Open a child's record; the actor's agency holds it and joins the team around the child."""
    agency = _acting_agency(actor, agency)
    child = Child(recording_agency=agency, created_by=actor, **fields)
    child.full_clean(exclude=["reference"])
    _as(child, actor).save()
    _as(
        Involvement(child=child, agency=agency, practitioner=actor, role=role or actor.job_title or "Practitioner"),
        actor,
    ).save()
    access.sync_named_grants(child)
    return child


@transaction.atomic
def child_update(*, actor: User, child: Child, **fields) -> Child:
    """Change identifying details; history keeps each old value."""
    for name, value in fields.items():
        setattr(child, name, value)
    child.full_clean(exclude=["reference"])
    if has_changes(child):
        _as(child, actor).save()
    return child


@transaction.atomic
def family_member_save(*, actor: User, member: FamilyMember) -> FamilyMember:
    """Add or change a member of the child's family or household."""
    member.full_clean()
    if has_changes(member):
        _as(member, actor).save()
    return member


@transaction.atomic
def family_member_remove(*, actor: User, member: FamilyMember) -> None:
    """Remove someone recorded by mistake; the history keeps what was there."""
    _as(member, actor).delete()


# --- The team around the child --------------------------------------------------------------------


@transaction.atomic
def involvement_add(
    *, actor: User, child: Child, agency: Agency, role: str, practitioner: User | None = None
) -> Involvement:
    """Bring an agency (and optionally a named practitioner) into the team around the child."""
    if not agency.is_active:
        raise ValidationError({"agency": f"{agency.name} is no longer active"})
    if Involvement.objects.current().filter(child=child, agency=agency).exists():
        raise ValidationError({"agency": f"{agency.name} is already in the team around the child"})
    if practitioner and not Membership.objects.current().filter(user=practitioner, agency=agency).exists():
        raise ValidationError({"practitioner": f"{practitioner.full_name} is not a member of {agency.name}"})
    involvement = Involvement(child=child, agency=agency, practitioner=practitioner, role=role)
    involvement.full_clean()
    _as(involvement, actor).save()
    access.sync_named_grants(child)
    return involvement


@transaction.atomic
def involvement_end(*, actor: User, involvement: Involvement, reason: str) -> Involvement:
    """An agency leaves the team; its access ends with it. The lead professional's agency cannot leave."""
    involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
    if involvement.ended_on:
        return involvement
    if LeadProfessional.objects.filter(
        child=involvement.child, agency=involvement.agency, ended_on__isnull=True
    ).exists():
        raise ValidationError(
            "This agency has the child's lead professional. Choose a new lead professional before it leaves."
        )
    involvement.ended_on = timezone.localdate()
    involvement.end_reason = reason
    _as(involvement, actor).save()
    access.sync_named_grants(involvement.child)
    return involvement


@transaction.atomic
def lead_professional_set(
    *, actor: User, child: Child, practitioner: User, family_agreed: bool, agreed_on
) -> LeadProfessional:
    """Make a practitioner of an involved agency the lead professional; the previous one is kept in history."""
    if not family_agreed or not agreed_on:
        raise ValidationError(
            {"family_agreed": "The lead professional is chosen with the family: record their agreement"}
        )
    involvement = (
        Involvement.objects.current()
        .filter(child=child, agency__memberships__user=practitioner, agency__memberships__ended_on__isnull=True)
        .select_related("agency")
        .first()
    )
    if involvement is None:
        raise ValidationError({"practitioner": "The lead professional must belong to an agency in the team"})
    Child.objects.select_for_update().get(pk=child.pk)  # one change of lead at a time per child
    for previous in LeadProfessional.objects.filter(child=child, ended_on__isnull=True):
        previous.ended_on = timezone.localdate()
        _as(previous, actor).save()
    lead = LeadProfessional(
        child=child,
        practitioner=practitioner,
        agency=involvement.agency,
        family_agreed=True,
        agreed_on=agreed_on,
    )
    _as(lead, actor).save()
    return lead


# --- Consent and sharing --------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor: User, child: Child, agencies_included=(), agencies_excluded=(), **fields) -> Consent:
    """Record the family's consent; the newest record governs who may see what from now on."""
    consent = Consent(child=child, recorded_by=actor, **fields)
    consent.full_clean()
    _as(consent, actor).save()
    consent.agencies_included.set(agencies_included)
    consent.agencies_excluded.set(agencies_excluded)
    _refresh_current_consent(actor, child)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: User, consent: Consent, withdrawn_on, reason: str) -> Consent:
    """The family withdraws consent: sharing that relied on it stops at once."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_on:
        raise ValidationError("This consent has already been withdrawn")
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": "The date of withdrawal must be on or after the date consent was given"})
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason
    _as(consent, actor).save()
    return consent


def _refresh_current_consent(actor: User, child: Child) -> None:
    newest = Consent.objects.filter(child=child).order_by("-given_on", "-recorded_at", "-pk").first()
    if child.current_consent_id != (newest.pk if newest else None):
        child.current_consent = newest
        _as(child, actor).save(update_fields=["current_consent"])


@transaction.atomic
def disclosure_record(*, actor: User, child: Child, decided_by_agency: Agency | None = None, **fields) -> Disclosure:
    """Record a sharing decision and its reasons. Sharing without consent needs an agency manager."""
    agency = _acting_agency(actor, decided_by_agency)
    disclosure = Disclosure(child=child, decided_by=actor, decided_by_agency=agency, **fields)
    if disclosure.basis == Disclosure.Basis.OVERRIDE:
        is_manager = (
            Membership.objects.current().filter(user=actor, agency=agency, role=Membership.Role.MANAGER).exists()
        )
        if not is_manager:
            raise PermissionDenied("Only an agency manager may authorise sharing without consent")
        errors = {}
        if not disclosure.lawful_basis.strip():
            errors["lawful_basis"] = "Enter the lawful basis for sharing without consent"
        if not disclosure.reason.strip():
            errors["reason"] = "Enter the reason for sharing without consent"
        if errors:
            raise ValidationError(errors)
    disclosure.full_clean()
    _as(disclosure, actor).save()
    return disclosure


# --- Safeguarding and emergency access ------------------------------------------------------------


@transaction.atomic
def escalation_record(*, actor: User, child: Child, **fields) -> SafeguardingEscalation:
    """Record that a practitioner suspects significant harm and has contacted children's social care."""
    escalation = SafeguardingEscalation(
        child=child, recorded_by=actor, recorded_by_agency=_acting_agency(actor), **fields
    )
    if escalation.contacted_at and escalation.contacted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"contacted_at": "The time you contacted social care must not be in the future"})
    escalation.full_clean()
    _as(escalation, actor).save()
    return escalation


@transaction.atomic
def escalation_decide(*, actor: User, escalation: SafeguardingEscalation, decision: str, decided_on):
    """Record social care's decision on an escalation."""
    escalation.outcome = SafeguardingEscalation.Outcome.DECIDED
    escalation.decision = decision
    escalation.decided_on = decided_on
    escalation.full_clean()
    _as(escalation, actor).save()
    return escalation


@transaction.atomic
def emergency_access_grant(*, actor: User, child: Child, reason: str, request=None) -> EmergencyAccess:
    """Break glass: time-limited read access for one practitioner, with their reason, logged and shown."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you need emergency access to this record"})
    agency = _acting_agency(actor)
    grant = EmergencyAccess.objects.create(
        child=child,
        user=actor,
        agency=agency,
        reason=reason.strip(),
        expires_at=timezone.now() + timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    assign_perm("children.view_child_emergency", actor, child)
    AccessEvent.objects.create(
        user=actor,
        agency=agency,
        child=child,
        action=AccessEvent.Action.EMERGENCY,
        what=f"Emergency access granted until {grant.expires_at:%d %b %Y %H:%M}",
        path=request.path[:300] if request else "",
        ip_address=request.META.get("REMOTE_ADDR") if request else None,
    )
    return grant


def emergency_access_sweep() -> int:
    """Remove the guardian grants of emergency accesses that have expired; return how many children."""
    children = Child.objects.filter(childuserobjectpermission__permission__codename="view_child_emergency").distinct()
    count = 0
    for child in children:
        access.sync_child_grants(child)
        count += 1
    return count
