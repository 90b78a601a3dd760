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
from agencies.models import Agency, Membership, User
from config.client import client_address, user_agent
from config.current import current_via
from config.history import acted_by as _as  # records the acting user for history
from config.history import has_changes
from config.request_id import request_id_of

from .models import (
    AccessEvent,
    Child,
    Consent,
    ConsentCoverage,
    Disclosure,
    EmergencyAccess,
    FamilyMember,
    HandoverNote,
    Involvement,
    LeadProfessional,
    SafeguardingEscalation,
)


def _acting_agency(actor: User, agency: Agency | None = None) -> Agency:
    agency = agency or access.primary_agency(actor)
    if agency is None or not Membership.objects.current().filter(user=actor, agency=agency).exists():
        raise PermissionDenied("You need to be a member of an agency to do this")
    return agency


# --- Audit ----------------------------------------------------------------------------------------


def access_event_record(
    *,
    request,
    child: Child | None,
    action: str,
    what: str,
    rights=None,
    user: User | None = None,
    agency=None,
    children_shown=None,
) -> AccessEvent:
    """Record who looked at what: the one place an access event's fields are filled in from a request (or, with
    `request=None`, from `user` alone). Called inside the view's transaction, so no page is served unrecorded.
    The agency is `agency` if given, else the one `rights` (the user's access to the child, just computed) names
    without a query, else the user's primary agency."""
    user = user or request.user
    if agency is not None:
        acting_for = {"agency": agency}
    elif rights is not None and rights.agency_ids:
        acting_for = {"agency_id": rights.primary_agency_id}
    else:
        acting_for = {"agency_id": access.primary_agency_id(user)}  # from the request's memo: no query
    agency_id = acting_for["agency"].pk if acting_for.get("agency") else acting_for.get("agency_id")
    return AccessEvent.objects.create(
        user=user,
        **acting_for,
        role=access.acting_role(user, agency_id, rights),
        child=child,
        action=action,
        what=what[:200],
        path=request.path[:300] if request else "",
        ip_address=client_address(request),
        user_agent=user_agent(request),
        request_id=request_id_of(request),
        children_shown=list(children_shown or []),
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
    access.refresh_coverage([child.pk])
    return child


@transaction.atomic
def child_update(*, actor: User, child: Child, **fields) -> Child:
    """Change identifying details; history keeps each old value."""
    for name, value in fields.items():
        setattr(child, name, value)
    child.full_clean(exclude=["reference"])
    if has_changes(child):
        _as(child, actor).save()
    if {"recording_agency", "recording_agency_id", "current_consent", "current_consent_id"} & set(fields):
        access.refresh_coverage([child.pk])
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
    access.refresh_coverage([child.pk])
    return involvement


@transaction.atomic
def involvement_end(*, actor: User, involvement: Involvement, reason: str) -> Involvement:
    """An agency leaves the team (ended by one of its members or the lead professional); its access ends
    with it and its members are told. The lead professional's agency cannot leave."""
    from . import notices

    involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
    if involvement.ended_on:
        return involvement
    if not access.may_end_involvement(actor, involvement, access.child_access(actor, involvement.child)):
        raise PermissionDenied("Only a member of the agency or the lead professional may end its involvement")
    if LeadProfessional.objects.current().filter(child=involvement.child, agency=involvement.agency).exists():
        raise ValidationError(
            "This agency has the child's lead professional. Choose a new lead professional before it leaves."
        )
    involvement.ended_on = timezone.localdate()
    involvement.end_reason = reason
    _as(involvement, actor).save()
    access.sync_named_grants(involvement.child)
    access.refresh_coverage([involvement.child_id])
    notices.involvement_ended(involvement, actor)
    return involvement


@transaction.atomic
def lead_professional_set(
    *,
    actor: User,
    child: Child,
    practitioner: User,
    family_agreed: bool,
    agreed_on,
    handover_note: str = "",
) -> LeadProfessional:
    """Make a practitioner of an involved agency the lead professional, with the family's agreement. Only the
    current lead, a manager of the lead's agency or (with no lead) a manager of an involved agency may; the old
    lead, the new lead and the team are told; the old lead's handover note goes to the new lead."""
    from . import notices

    if not access.may_change_lead(actor, child, access.child_access(actor, child)):
        raise PermissionDenied(
            "Only the lead professional or a manager of their agency may change the lead professional"
        )
    if not family_agreed or not agreed_on:
        raise ValidationError(
            {"family_agreed": "The lead professional is chosen with the family: record their agreement"}
        )
    involvement = (
        Involvement.objects.current()
        .filter(current_via("agency__memberships"), child=child, agency__memberships__user=practitioner)
        .select_related("agency")
        .first()
    )
    if involvement is None:
        raise ValidationError({"practitioner": "The lead professional must belong to an agency in the team"})
    Child.objects.select_for_update().get(pk=child.pk)  # one change of lead at a time per child
    previous = LeadProfessional.objects.current_for(child)
    if previous and previous.practitioner_id == practitioner.pk:
        # The same lead again: only the date the family agreed can change; nobody new to tell.
        if handover_note.strip():
            raise ValidationError({"handover_note": "A handover note is for a new lead professional"})
        if previous.agreed_on != agreed_on:
            previous.agreed_on = agreed_on
            _as(previous, actor).save()
        return previous
    if previous:
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
    notices.lead_changed(child, previous, lead, actor)
    if handover_note.strip():
        if previous is None or previous.practitioner_id != actor.pk:
            raise ValidationError({"handover_note": "Only the lead professional handing over writes a handover note"})
        handover_note_write(actor=actor, child=child, from_lead=previous, to_lead=lead, text=handover_note)
    return lead


@transaction.atomic
def handover_note_write(*, actor: User, child: Child, from_lead: LeadProfessional, to_lead, text: str):
    """The previous lead professional's note for the next: the new lead sees it first on the child's page."""
    from . import notices

    if from_lead.practitioner_id != actor.pk:
        raise PermissionDenied("Only the lead professional who handed over writes the handover note")
    if not text.strip():
        raise ValidationError({"text": "Enter the handover note"})
    if HandoverNote.objects.filter(from_lead=from_lead, to_lead=to_lead).exists():
        raise ValidationError({"text": "You have already left a handover note for this change"})
    note = HandoverNote(child=child, from_lead=from_lead, to_lead=to_lead, text=text.strip(), written_by=actor)
    note.full_clean()
    _as(note, actor).save()
    notices.handover_note_written(note, actor)
    return note


@transaction.atomic
def handover_note_mark_read(*, actor: User, note: HandoverNote) -> HandoverNote:
    """The new lead has read the note; it moves from the top of the page to the team section."""
    note = HandoverNote.objects.select_for_update().get(pk=note.pk)
    if note.to_lead.practitioner_id != actor.pk:
        raise PermissionDenied("Only the lead professional it was written for marks it as read")
    if note.read_at is None:
        note.read_at = timezone.now()
        _as(note, actor).save()
    return note


# --- Consent and sharing --------------------------------------------------------------------------


@transaction.atomic
def consent_record(*, actor: User, child: Child, agencies_included=(), agencies_excluded=(), **fields) -> Consent:
    """Record the family's consent; the newest record governs who may see what from now on."""
    consent = Consent(child=child, recorded_by=actor, **fields)
    consent.full_clean()
    _as(consent, actor).save()
    consent.agencies_included.set(agencies_included)
    consent.agencies_excluded.set(agencies_excluded)
    if consent.all_involved_agencies:
        # The family agreed to the team they were told about: record it, so a later agency is not covered.
        for agency_id in set(Involvement.objects.current().filter(child=child).values_list("agency_id", flat=True)):
            _as(
                ConsentCoverage(consent=consent, agency_id=agency_id, basis=ConsentCoverage.Basis.IN_TEAM), actor
            ).save()
    _refresh_current_consent(actor, child)
    access.refresh_coverage([child.pk])
    return consent


@transaction.atomic
def consent_confirm_for_agency(
    *, actor: User, child: Child, agency: Agency, agreed_by_name: str, agreed_on, method: str
) -> ConsentCoverage:
    """Record that the family agreed their current consent covers one more agency (one that joined the team
    later, or one to refer to), with who in the family agreed, who recorded it and when; its members are told."""
    from . import notices

    if not access.may_confirm_consent(access.child_access(actor, child)):
        raise PermissionDenied("Only those who may edit the child's record confirm the family's consent")
    child = Child.objects.select_for_update(of=("self",)).select_related("current_consent").get(pk=child.pk)
    consent = child.current_consent
    errors = {}
    if consent is None or consent.is_withdrawn:
        raise ValidationError("There is no consent in force to confirm: record the family's consent")
    if access.consent_covers(child, agency):
        errors["agency"] = f"The family's consent already covers {agency.name}"
    if not agreed_by_name.strip():
        errors["agreed_by_name"] = "Enter who in the family agreed"
    if agreed_on and agreed_on > timezone.localdate():
        errors["agreed_on"] = "The date the family agreed must be today or in the past"
    if agreed_on and agreed_on < consent.given_on:
        errors["agreed_on"] = "The date the family agreed must be on or after the date consent was given"
    if errors:
        raise ValidationError(errors)
    coverage = ConsentCoverage.objects.filter(consent=consent, agency=agency).first() or ConsentCoverage(
        consent=consent, agency=agency
    )
    coverage.basis = ConsentCoverage.Basis.CONFIRMED
    coverage.agreed_by_name = agreed_by_name.strip()
    coverage.agreed_on = agreed_on
    coverage.method = method
    coverage.confirmed_by = actor
    coverage.confirmed_at = timezone.now()
    coverage.full_clean()
    _as(coverage, actor).save()
    access.refresh_coverage([child.pk])
    notices.consent_confirmed(coverage, actor)
    return coverage


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
    access.refresh_coverage([consent.child_id])
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
        if not access.may_authorise_override(actor, agency.pk if agency else None):
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
    access.refresh_coverage([child.pk])
    return disclosure


# --- Safeguarding and emergency access ------------------------------------------------------------


class AlreadyDecided(Exception):
    """Social care's decision was recorded by someone else first."""

    def __init__(self, escalation: SafeguardingEscalation):
        who = escalation.decision_recorded_by.full_name if escalation.decision_recorded_by else "someone"
        when = timezone.localtime(escalation.decision_recorded_at or timezone.now())
        super().__init__(
            f"Social care's decision has already been recorded by {who} on {when:%d %B %Y at %H:%M}. "
            "Nothing was changed."
        )


def social_care_for(child: Child) -> Agency | None:
    """Who decides on a safeguarding concern: the front door named in `SAFEGUARDING_FRONT_DOOR_AGENCY`, else
    the area's children's social care agency (the one in the child's team if there are several)."""
    name = settings.SAFEGUARDING_FRONT_DOOR_AGENCY
    if name:
        front_door = Agency.objects.filter(name=name, is_active=True).first()
        if front_door is not None:
            return front_door
    candidates = Agency.objects.filter(kind=Agency.Kind.SOCIAL_CARE, is_active=True)
    involved = candidates.filter(current_via("involvements"), involvements__child=child).order_by("pk")
    return involved.first() or candidates.order_by("pk").first()


def one_working_day_after(moment):
    """The same time of day one working day later (weekends and England's bank holidays do not count)."""
    from datetime import datetime

    from referrals.services import add_working_days

    local = timezone.localtime(moment)
    day = add_working_days(local.date(), 1)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


@transaction.atomic
def escalation_record(*, actor: User, child: Child, **fields) -> SafeguardingEscalation:
    """Record that a practitioner suspects significant harm and has contacted children's social care; it goes to
    social care's queue with one working day to decide, and social care's managers and the lead are told."""
    from . import notices

    escalation = SafeguardingEscalation(
        child=child, recorded_by=actor, recorded_by_agency=_acting_agency(actor), **fields
    )
    if escalation.contacted_at and escalation.contacted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"contacted_at": "The time you contacted social care must not be in the future"})
    escalation.social_care = social_care_for(child)
    if escalation.contacted_at:
        escalation.decide_by = one_working_day_after(escalation.contacted_at)
    escalation.full_clean()
    _as(escalation, actor).save()
    access.refresh_coverage([child.pk])
    notices.escalation_raised(escalation, actor)
    return escalation


@transaction.atomic
def escalation_decide(
    *, actor: User, escalation: SafeguardingEscalation, outcome: str, decided_by: User, decided_at, note: str
) -> SafeguardingEscalation:
    """Social care records its decision (structured outcome, who decided and when, a note); the practitioner
    who raised the concern and the lead professional are told. Only a member of the deciding agency may."""
    from . import notices

    escalation = SafeguardingEscalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_pending:
        raise AlreadyDecided(escalation)
    if not access.may_decide_escalation(actor, escalation):
        raise PermissionDenied("Only children's social care records its decision")
    errors = {}
    if outcome not in SafeguardingEscalation.DECISIONS:
        errors["outcome"] = "Select social care's decision"
    if decided_by is None or not access.is_member(decided_by, escalation.social_care_id):
        errors["decided_by"] = f"Select who decided, from {escalation.social_care.name}"
    if decided_at is None:
        errors["decided_at"] = "Enter when social care decided"
    elif decided_at > timezone.now() + timedelta(minutes=5):
        errors["decided_at"] = "The time of the decision must not be in the future"
    elif decided_at < escalation.contacted_at - timedelta(minutes=5):
        errors["decided_at"] = "The time of the decision must be after social care were contacted"
    if errors:
        raise ValidationError(errors)
    escalation.outcome = outcome
    escalation.decided_by = decided_by
    escalation.decided_at = decided_at
    escalation.decision = note.strip()
    escalation.decision_recorded_by = actor
    escalation.decision_recorded_at = timezone.now()
    escalation.full_clean()
    _as(escalation, actor).save()
    access.refresh_coverage([escalation.child_id])
    notices.escalation_decision(escalation, actor)
    return escalation


def escalation_reminders_send() -> int:
    """Remind social care's managers, once, of each escalation past its one working day; return how many."""
    from . import notices

    count = 0
    overdue = SafeguardingEscalation.objects.filter(
        outcome=SafeguardingEscalation.Outcome.PENDING, decide_by__lt=timezone.now(), reminded_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in overdue:
        with transaction.atomic():
            escalation = (
                SafeguardingEscalation.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, outcome=SafeguardingEscalation.Outcome.PENDING, reminded_at__isnull=True)
                .first()
            )
            if escalation is None:
                continue
            notices.escalation_reminder(escalation)
            escalation.reminded_at = timezone.now()
            # No acting user: beat sent the reminder.
            escalation.save(update_fields=["reminded_at"])
            count += 1
    return count


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
    access.forget_request_memo()
    access_event_record(
        request=request,
        user=actor,
        agency=agency,
        child=child,
        action=AccessEvent.Action.EMERGENCY,
        what=f"Emergency access granted until {grant.expires_at:%d %b %Y %H:%M}",
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
