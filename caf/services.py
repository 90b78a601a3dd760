"""Every change to a CAF: start, save a section (never over someone else's words), complete, revise,
the delivery plan, reviews and closure. Each is atomic and records the acting user for history."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from agencies import access
from agencies.models import Agency, Membership, Notification, User
from agencies.notifications import Event, agency_managers, notify
from children.models import Child, Involvement, LeadProfessional, SafeguardingEscalation
from config.current import current_via
from config.history import acted_by as _as  # records the acting user for history
from config.history import has_changes
from referrals.services import add_working_days

from .models import Action, Assessment, Element, ProgressNote, Review, SectionEntry
from .sections import SECTIONS


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
        lead = LeadProfessional.objects.current_for(child)
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
        .filter(current_via("agency__memberships"), child=child, agency__memberships__user=actor)
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
    decision = None
    if reason == Assessment.ClosureReason.STEPPED_UP:
        decision = stepped_up_decision_for(assessment.child)
        if decision is None:
            raise ValidationError(
                {
                    "reason": "A CAF closes as stepped up only once children's social care have decided to take the "
                    "child on (an assessment under section 17, a strategy discussion and section 47 enquiry, or "
                    "already open to them)"
                }
            )
    if reason == Assessment.ClosureReason.OTHER and not notes.strip():
        raise ValidationError({"notes": "Enter the reason for closing the CAF"})
    assessment.status = Assessment.Status.CLOSED
    assessment.closed_at = timezone.now()
    assessment.closure_reason = reason
    assessment.closure_notes = notes
    assessment.stepped_up_decision = decision
    _as(assessment, actor).save()
    return assessment


def stepped_up_decision_for(child: Child):
    """Social care's latest decision on the child that takes them into social care's work, or None."""
    return (
        SafeguardingEscalation.objects.filter(child=child, outcome__in=SafeguardingEscalation.STEP_UP_OUTCOMES)
        .select_related("decided_by", "social_care")
        .order_by("-decided_at", "-pk")
        .first()
    )


# --- The delivery plan ----------------------------------------------------------------------------


def _action_owner_errors(action: Action) -> dict:
    """Nothing is given to an agency or a person outside the team around the child: the owning agency is in
    the team and covered by the child's sharing rules, and a named owner is one of its current practitioners."""
    if action.owner_agency_id is None:
        return {"owner": "Select who will do the action"}
    child = action.assessment.child
    if not access.agencies_that_may_hold_actions(child).filter(pk=action.owner_agency_id).exists():
        return {
            "owner": "Select who will do the action from the team around the child: that agency is not in the "
            "team, or the family's consent does not cover it"
        }
    if (
        action.owner_id
        and not Membership.objects.current()
        .filter(user_id=action.owner_id, user__is_active=True, agency_id=action.owner_agency_id)
        .exists()
    ):
        return {"owner": "The practitioner must be a current member of the agency the action is given to"}
    return {}


@transaction.atomic
def action_save(*, actor: User, action: Action) -> Action:
    """Add or change an action of the delivery plan (the lead professional's job). Its owner is always in the
    team around the child, and a new owner is told."""
    errors = _action_owner_errors(action)
    if action.pk is None and action.due_on and action.due_on < timezone.localdate():
        errors["due_on"] = "The date it is due by must be today or in the future"
    if errors:
        raise ValidationError(errors)
    action.full_clean()
    before = Action.objects.filter(pk=action.pk).values_list("owner_id", "owner_agency_id").first()
    if has_changes(action):
        _as(action, actor).save()
    if before != (action.owner_id, action.owner_agency_id):
        _action_assigned_notify(action, actor)
    return action


@transaction.atomic
def action_assign(*, actor: User, action: Action, owner: User) -> Action:
    """A manager of the owning agency gives the action to one of its practitioners (by name)."""
    action = Action.objects.select_for_update().select_related("assessment__child").get(pk=action.pk)
    if not access.may_manage_agency(actor, action.owner_agency):
        raise ValidationError("Only a manager of the agency the action is given to can give it to a practitioner")
    if action.owner_id == owner.pk:
        return action
    action.owner = owner
    errors = _action_owner_errors(action)
    if errors:
        raise ValidationError(errors)
    _as(action, actor).save()
    _action_assigned_notify(action, actor)
    return action


# --- Prompts: an action given, an action overdue, a review coming up ----------------------------------
#
# Each prompt is a notification (agencies.notifications) with an occurrence key naming what happened, so
# however often the beat tasks run, and however many workers run them, each is told once.

REVIEW_DUE_WORKING_DAYS = 3
OVERDUE_BATCH = 500


def _action_summary(action: Action) -> str:
    due = action.due_on
    return f"{action.what[:120]} ({action.assessment.child.display_name}, due {due.day} {due:%B %Y})"


def _action_assigned_notify(action: Action, actor: User | None) -> None:
    """Tell the new owner (or, for an agency as a whole, its managers, who give it to someone) of the action."""
    if action.owner_id:
        recipients, text = [action.owner], f"An action for you: {_action_summary(action)}"
    else:
        recipients = agency_managers(action.owner_agency)
        text = f"An action for {action.owner_agency.name} to give to a practitioner: {_action_summary(action)}"
    # Each change of owner is its own occurrence (the history row of the change), so giving an action back
    # to someone who had it before tells them again.
    change = action.history.order_by("-history_id").values_list("history_id", flat=True).first()
    notify(
        event=Event.ACTION_ASSIGNED,
        recipients=recipients,
        occurrence=f"action:{action.pk}:assigned:{change}",
        text=text,
        link=reverse("action-detail", args=[action.pk]),
        actor=actor,
    )


def _overdue_occurrence(action: Action) -> str:
    # A new due date that passes is a new occurrence: the action became overdue again.
    return f"action:{action.pk}:overdue:{action.due_on.isoformat()}"


def actions_overdue_notify(today=None) -> int:
    """Tell the owner (for an action not yet given to a practitioner, the owning agency's managers) and the
    lead professional, once, that an action has become overdue. Returns how many actions were notified now."""
    today = today or timezone.localdate()
    overdue = (
        Action.objects.filter(
            status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS],
            due_on__lt=today,
            assessment__is_current=True,
        )
        .exclude(assessment__status=Assessment.Status.CLOSED)
        .select_related("assessment__child", "owner", "owner_agency")
        .order_by("pk")
    )
    ids = list(overdue.values_list("pk", flat=True))
    notified = 0
    for start in range(0, len(ids), OVERDUE_BATCH):
        notified += _overdue_batch_notify(list(overdue.filter(pk__in=ids[start : start + OVERDUE_BATCH])))
    return notified


def _overdue_batch_notify(batch: list[Action]) -> int:
    # Most overdue actions were notified on an earlier run: one query finds them, so each run costs little.
    done = set(
        Notification.objects.filter(occurrence__in=[_overdue_occurrence(a) for a in batch]).values_list(
            "occurrence", flat=True
        )
    )
    leads = dict(
        LeadProfessional.objects.current()
        .filter(child_id__in={a.assessment.child_id for a in batch})
        .values_list("child_id", "practitioner")
    )
    lead_users = User.objects.in_bulk(set(leads.values()))
    notified = 0
    for action in batch:
        occurrence = _overdue_occurrence(action)
        if occurrence in done:
            continue
        owners = [action.owner] if action.owner_id else agency_managers(action.owner_agency)
        lead = lead_users.get(leads.get(action.assessment.child_id))
        # Only those who may still open the action are told of it (an owner whose agency left the team is not).
        recipients = [u for u in [*owners, lead] if u is not None and access.action_access(u, action).may_view]
        if notify(
            event=Event.ACTION_OVERDUE,
            recipients=recipients,
            occurrence=occurrence,
            text=f"Action overdue: {_action_summary(action)}",
            link=reverse("action-detail", args=[action.pk]),
        ):
            notified += 1
    return notified


def reviews_due_notify(today=None) -> int:
    """Tell the lead professional and the team (the practitioners named in it and the owners of open actions),
    once, that a CAF's next review is due within REVIEW_DUE_WORKING_DAYS working days. Returns how many
    reviews were notified now."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, REVIEW_DUE_WORKING_DAYS)
    latest = Review.objects.filter(assessment_id=OuterRef("assessment_id")).order_by("-held_on", "-pk").values("pk")
    reviews = (
        Review.objects.filter(next_review_on__gt=today, next_review_on__lte=horizon, assessment__is_current=True)
        .exclude(assessment__status=Assessment.Status.CLOSED)
        .annotate(latest=Subquery(latest[:1]))
        .filter(pk=F("latest"))
        .select_related("assessment__child")
    )
    notified = 0
    for review in reviews:
        child = review.assessment.child
        team = set(LeadProfessional.objects.current().filter(child=child).values_list("practitioner", flat=True))
        team |= set(
            Involvement.objects.current()
            .filter(child=child, practitioner__isnull=False)
            .values_list("practitioner", flat=True)
        )
        team |= set(
            review.assessment.actions.filter(
                owner__isnull=False, status__in=[Action.Status.NOT_STARTED, Action.Status.IN_PROGRESS]
            ).values_list("owner", flat=True)
        )
        # Only those who may still see the child are told (a practitioner whose agency left the team is not).
        recipients = [u for u in User.objects.filter(pk__in=team) if access.child_access(u, child).may_view_basic]
        when = review.next_review_on
        if notify(
            event=Event.REVIEW_DUE,
            recipients=recipients,
            occurrence=f"review:{review.pk}:due:{when.isoformat()}",
            text=f"Team around the child review due for {child.display_name} on {when:%A} {when.day} {when:%B}",
            link=child.get_absolute_url(),
        ):
            notified += 1
    return notified


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
