"""Every change to a CAF: start, save a section (never over someone else's words), complete, revise,
the delivery plan, reviews and closure. Each is atomic and records the acting user for history."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.history import has_changes
from agencies.models import Agency, Membership, User
from children.models import Child, Involvement, LeadProfessional, SafeguardingEscalation

from .models import Action, Assessment, Element, ProgressNote, Review, SectionEntry
from .sections import SECTIONS


def _as(instance, actor):
    instance._history_user = actor
    return instance


class SectionConflict(Exception):
    """Someone else saved the section since this practitioner opened it."""

    def __init__(self, entry: SectionEntry):
        super().__init__(f"{entry.key} was changed by {entry.updated_by} at {entry.updated_at}")
        self.entry = entry


def open_caf_for(child: Child) -> Assessment | None:
    return Assessment.objects.open().filter(child=child).select_related("assessor", "assessor_agency").first()


@transaction.atomic
def caf_start(*, actor: User, child: Child) -> Assessment:
    """Start a CAF for a child, as the actor's involved agency. A second open CAF is refused."""
    Child.objects.select_for_update().get(pk=child.pk)
    existing = open_caf_for(child)
    if existing:
        lead = (
            LeadProfessional.objects.filter(child=child, ended_on__isnull=True).select_related("practitioner").first()
        )
        who = lead.practitioner.full_name if lead else existing.assessor.full_name
        raise ValidationError(
            f"{child.display_name} already has an open CAF (version {existing.version}, started by "
            f"{existing.assessor.full_name} of {existing.assessor_agency.name}). Contact {who} to contribute to it."
        )
    agency = _involved_agency_of(actor, child)
    previous = Assessment.objects.filter(child=child).order_by("-version").first()
    try:
        assessment = _as(
            Assessment(
                child=child, assessor=actor, assessor_agency=agency, version=(previous.version + 1 if previous else 1)
            ),
            actor,
        )
        assessment.save()
    except IntegrityError:
        raise ValidationError(f"{child.display_name} already has an open CAF") from None
    return assessment


def _involved_agency_of(actor: User, child: Child) -> Agency:
    involvement = (
        Involvement.objects.current()
        .filter(child=child, agency__memberships__user=actor, agency__memberships__ended_on__isnull=True)
        .select_related("agency")
        .first()
    )
    if involvement is None:
        raise ValidationError("Only a practitioner of an agency in the team around the child can start a CAF")
    return involvement.agency


def _check_editable(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError("This version of the CAF is completed and can no longer be changed: revise it instead")


@transaction.atomic
def section_save(
    *, actor: User, assessment: Assessment, key: str, data: dict, base_revision: int, element: Element | None = None
) -> SectionEntry:
    """Save a section's text. If someone else saved it since `base_revision`, raise SectionConflict."""
    _check_editable(assessment)
    entry = SectionEntry.objects.select_for_update().filter(assessment=assessment, key=key).first()
    if entry is None and not any(data.values()):
        # Nothing typed on a page never saved (a section with no text boxes, say): nothing to store.
        return SectionEntry(assessment=assessment, key=key, element=element, data=data)
    if entry is None:
        try:
            with transaction.atomic():
                entry = _as(SectionEntry(assessment=assessment, key=key, element=element, updated_by=actor), actor)
                entry.save()
        except IntegrityError:  # someone else created it this instant: compare with theirs
            pass
        entry = SectionEntry.objects.select_for_update().get(assessment=assessment, key=key)
    if entry.data == data:
        return entry
    if entry.revision != base_revision:
        raise SectionConflict(entry)
    entry.data = data
    entry.revision += 1
    entry.updated_by = actor
    entry.updated_at = timezone.now()
    _as(entry, actor).save()
    return entry


@transaction.atomic
def section_mark_completed(*, actor: User, assessment: Assessment, key: str, completed: bool) -> Assessment:
    """Record whether the practitioner has finished a section (the task list's "completed")."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _check_editable(assessment)
    done = [k for k in assessment.completed_sections if k != key]
    if completed:
        done.append(key)
    completed_sections = [s.key for s in SECTIONS if s.key in done]
    if completed_sections == assessment.completed_sections:
        return assessment  # already so: nothing to record
    assessment.completed_sections = completed_sections
    _as(assessment, actor).save()
    return assessment


@transaction.atomic
def caf_complete(*, actor: User, assessment: Assessment, consent_confirmed: bool) -> Assessment:
    """The assessor confirms their answers and the family's consent: the version is completed."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("child__current_consent")
        .get(pk=assessment.pk)
    )
    _check_editable(assessment)
    consent = assessment.child.current_consent
    if consent is None or consent.is_withdrawn:
        raise ValidationError("The family's consent must be recorded on the child's record before the CAF is completed")
    if not consent_confirmed:
        raise ValidationError({"consent_confirmed": "Confirm that the family's consent still stands"})
    missing = [s.title for s in SECTIONS if s.key not in assessment.completed_sections]
    if missing:
        raise ValidationError(f"Complete every section first. Not completed: {', '.join(missing)}")
    assessment.status = Assessment.Status.COMPLETED
    assessment.completed_at = timezone.now()
    assessment.consent = consent
    assessment.consent_confirmed_at = timezone.now()
    _as(assessment, actor).save()
    return assessment


@transaction.atomic
def caf_revise(*, actor: User, assessment: Assessment) -> Assessment:
    """Start a new version from a completed one: its text is copied; the plan and reviews move with it."""
    old = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if old.status != Assessment.Status.COMPLETED or not old.is_current:
        raise ValidationError("Only the current, completed version of a CAF can be revised")
    old.is_current = False
    _as(old, actor).save()
    new = _as(
        Assessment(
            child=old.child,
            version=old.version + 1,
            previous=old,
            assessor=old.assessor,
            assessor_agency=old.assessor_agency,
            completed_sections=list(old.completed_sections),
        ),
        actor,
    )
    new.save()
    for entry in old.entries.all():
        _as(
            SectionEntry(assessment=new, key=entry.key, element=entry.element, data=dict(entry.data), updated_by=actor),
            actor,
        ).save()
    for item in [*old.actions.all(), *old.reviews.all()]:
        item.assessment = new
        _as(item, actor).save()
    return new


@transaction.atomic
def caf_close(*, actor: User, assessment: Assessment, reason: str, notes: str) -> Assessment:
    """Close the family's CAF with a reason. Stepping up is recorded only once social care has decided."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status == Assessment.Status.CLOSED:
        raise ValidationError("This CAF is already closed")
    if (
        reason == Assessment.ClosureReason.STEPPED_UP
        and not SafeguardingEscalation.objects.filter(
            child=assessment.child, outcome=SafeguardingEscalation.Outcome.DECIDED
        ).exists()
    ):
        raise ValidationError(
            {"reason": "Record social care's decision on the child's record before closing as stepped up"}
        )
    if reason == Assessment.ClosureReason.OTHER and not notes.strip():
        raise ValidationError({"notes": "Enter the reason for closing the CAF"})
    assessment.status = Assessment.Status.CLOSED
    assessment.closed_at = timezone.now()
    assessment.closure_reason = reason
    assessment.closure_notes = notes
    _as(assessment, actor).save()
    return assessment


# --- The delivery plan ----------------------------------------------------------------------------


@transaction.atomic
def action_save(*, actor: User, action: Action) -> Action:
    """Add or change an action of the delivery plan (the lead professional's job)."""
    if (
        action.owner_id
        and not Membership.objects.current().filter(user_id=action.owner_id, agency_id=action.owner_agency_id).exists()
    ):
        raise ValidationError({"owner": "The owner must be a member of the agency the action is given to"})
    if action.pk is None and action.due_on < timezone.localdate():
        raise ValidationError({"due_on": "The date it is due by must be today or in the future"})
    action.full_clean()
    if has_changes(action):
        _as(action, actor).save()
    return action


@transaction.atomic
def action_progress(*, actor: User, action: Action, status: str, note: str) -> Action:
    """The owner (or the lead professional) records progress: a new status and a dated note."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status != action.status:
        action.status = status
        _as(action, actor).save()
    if note.strip():
        _as(ProgressNote(action=action, text=note.strip(), written_by=actor), actor).save()
    return action


@transaction.atomic
def review_record(*, actor: User, assessment: Assessment, practitioners=(), close_reason: str = "", **fields) -> Review:
    """Record a team around the child meeting; it ends with a next review date or with closure."""
    review = Review(assessment=assessment, recorded_by=actor, **fields)
    errors = {}
    started = timezone.localtime(assessment.started_at).date()
    if review.held_on and review.held_on < started:
        errors["held_on"] = "The review must be on or after the date the CAF was started"
    if review.held_on and review.held_on > timezone.localdate():
        errors["held_on"] = "The date of the meeting must be today or in the past"
    if review.next_review_on and review.held_on and review.next_review_on <= review.held_on:
        errors["next_review_on"] = "The next review must be after this meeting"
    if not review.next_review_on and not close_reason:
        errors["next_review_on"] = "Enter the next review date, or choose to close the CAF"
    if errors:
        raise ValidationError(errors)
    review.full_clean()
    _as(review, actor).save()
    review.practitioners_present.set(practitioners)
    if close_reason:
        caf_close(actor=actor, assessment=assessment, reason=close_reason, notes=fields.get("next_steps", ""))
    return review
