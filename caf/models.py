"""The Common Assessment Framework: the assessment in sections, the delivery plan, reviews and closure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import Agency
from children.models import Child, Consent
from children.outcomes import EVERY_CHILD_MATTERS


class Domain(models.TextChoices):
    DEVELOPMENT = "development", "Development of the unborn baby, baby, child or young person"
    PARENTS = "parents", "Parents and carers"
    FAMILY = "family", "Family and environmental factors"


class Element(models.Model):
    """Reference data: one of the 19 elements of strengths and needs, with the prompt shown to assessors.

    Kept in the database (and editable in the admin site) so a local authority can re-word prompts
    without a code change.
    """

    domain = models.CharField(max_length=20, choices=Domain.choices)
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField()
    prompt = models.TextField(max_length=2000, help_text="Guidance shown to the assessor for this element")

    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]

    def __str__(self):
        return self.name


class AssessmentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(is_current=True).exclude(status=Assessment.Status.CLOSED)


class Assessment(models.Model):
    """One version of a child's CAF. Revising a completed CAF makes a new version; old ones stay readable."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        COMPLETED = "completed", "Completed"
        CLOSED = "closed", "Closed"

    class ClosureReason(models.TextChoices):
        NEEDS_MET = "needs_met", "Needs met"
        DISENGAGED = "disengaged", "Family disengaged or consent withdrawn"
        MOVED = "moved", "Moved to another local authority"
        STEPPED_UP = "stepped_up", "Stepped up to children's social care"
        STEPPED_DOWN = "stepped_down", "Stepped down to single-agency or universal support"
        AGE_LIMIT = "age_limit", "Reached upper age limit"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    version = models.PositiveIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    assessor_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="assessments")
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consent_confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_notes = models.TextField(max_length=4000, blank=True)
    # Closed as "stepped up to children's social care": the decision of social care that took the child on.
    stepped_up_decision = models.ForeignKey(
        "children.SafeguardingEscalation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_sections = models.JSONField(default=list, blank=True)
    # The newest version of this CAF; earlier versions stay, read-only.
    is_current = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["child", "version"], name="one_row_per_caf_version"),
            # One CAF in progress per child: a second is refused with the name of whoever leads it.
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(is_current=True) & ~Q(status="closed"),
                name="one_open_caf_per_child",
            ),
        ]

    def __str__(self):
        return f"CAF for {self.child} (version {self.version})"

    def get_absolute_url(self):
        return reverse("caf-task-list", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class SectionEntry(models.Model):
    """The text of one section (or one element) of one CAF version.

    `revision` goes up by one on every save; a save that names an older revision is a conflict and is
    never written over someone else's words.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=80)
    element = models.ForeignKey(Element, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "key"]
        constraints = [models.UniqueConstraint(fields=["assessment", "key"], name="one_entry_per_section")]

    def __str__(self):
        return f"{self.key} of {self.assessment}"

    def has_text(self) -> bool:
        return any(str(v).strip() for v in self.data.values())


# Every Child Matters: the five outcomes and their aims (children/outcomes.py). An action stores
# "outcome:aim", e.g. "2:5".
ECM_OUTCOMES = [(outcome.name, list(outcome.aims)) for outcome in EVERY_CHILD_MATTERS]
ECM_AIM_CHOICES = [
    (outcome, [(f"{o}:{i}", aim) for i, aim in enumerate(aims, start=1)])
    for o, (outcome, aims) in enumerate(ECM_OUTCOMES, start=1)
]


class Action(models.Model):
    """One action of the delivery plan: what, who, by when, the desired outcome and the ECM aim it serves."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        NOT_NEEDED = "not_needed", "No longer needed"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    need = models.TextField("the need it addresses", max_length=2000)
    what = models.TextField("what will be done", max_length=2000)
    # What the owner is told of the need, written by the lead professional for them: an owner whose agency
    # the family's consent covers for basic details only sees this, never the CAF (docs/architecture.md).
    why_for_owner = models.TextField("why it is needed, for whoever does it", max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="caf_actions"
    )
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("by when")
    desired_outcome = models.TextField(max_length=2000)
    ecm_aim = models.CharField("Every Child Matters outcome and aim", max_length=10)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            # The agencies' work queues (actions given to an agency as a whole) and the overdue sweep.
            models.Index(fields=["owner_agency", "status"], condition=Q(owner__isnull=True), name="action_queue"),
            models.Index(fields=["status", "due_on"], name="action_status_due"),
        ]

    def __str__(self):
        return self.what[:80]

    @property
    def ecm_label(self) -> str:
        outcome, _, aim = self.ecm_aim.partition(":")
        try:
            name, aims = ECM_OUTCOMES[int(outcome) - 1]
            return f"{name}: {aims[int(aim) - 1]}"
        except (ValueError, IndexError):
            return self.ecm_aim

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NOT_STARTED, self.Status.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class ProgressNote(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(max_length=4000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_on", "-created_at"]

    def __str__(self):
        return self.text[:80]


class Review(models.Model):
    """A team around the child meeting: who came, progress, next steps, the family's words, what next."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField("date of the meeting")
    practitioners_present = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    family_present = models.CharField("family members present", max_length=500, blank=True)
    progress = models.TextField("progress on the plan", max_length=8000)
    next_steps = models.TextField(max_length=8000, blank=True)
    child_comments = models.TextField("the child's comments", max_length=4000, blank=True)
    parent_comments = models.TextField("the parent's or carer's comments", max_length=4000, blank=True)
    next_review_on = models.DateField("next review date", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(m2m_fields=[practitioners_present])

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Review on {self.held_on:%d %b %Y}"
