"""The child's record, the family, the team around the child, consent and the audit of access."""

import re
import secrets
from datetime import date

import jellyfish
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from agencies.models import UK_PHONE, UK_POSTCODE, Agency, normalise_postcode
from config.current import CurrentQuerySet

# Unambiguous characters only (no 0/O, 1/I/L), so a reference read out on the phone is not misheard.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"TAC-{body[:4]}-{body[4:]}"


def name_words(*names: str) -> list[str]:
    return [word for name in names for word in re.split(r"[\s,/-]+", name or "") if word]


def phonetic_key(name: str) -> str:
    return jellyfish.metaphone(name.strip())[:40] if name and name.strip() else ""


class Ethnicity(models.TextChoices):
    """The ethnic groups of the 2021 census for England and Wales."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = "black_other", "Black, Black British, Caribbean or African: any other background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "Mixed or multiple: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "Mixed or multiple: White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY = "white_gypsy", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER = "other", "Other ethnic group: any other"
    NOT_STATED = "not_stated", "Prefer not to say"
    NOT_KNOWN = "not_known", "Not yet known"


class Child(models.Model):
    """Section 1 of the CAF: the identifying details of a child (or an unborn baby)."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NOT_KNOWN = "not_known", "Not known"

    class YesNoUnknown(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_KNOWN = "not_known", "Not known"

    reference = models.CharField("unique reference number", max_length=20, unique=True, default=new_reference)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    other_names = models.CharField(
        "other names", max_length=200, blank=True, help_text="Names the child is or has been known by"
    )
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.NOT_KNOWN)
    is_unborn = models.BooleanField("unborn baby", default=False)
    unborn_mother_name = models.CharField("mother's name", max_length=200, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_delivery = models.DateField(null=True, blank=True)
    address = models.TextField(max_length=500, blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[UK_POSTCODE])
    phone = models.CharField("telephone", max_length=30, blank=True, validators=[UK_PHONE])
    religion = models.CharField(max_length=100, blank=True)
    ethnicity = models.CharField(max_length=40, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN)
    first_language = models.CharField("child's first language", max_length=100, blank=True)
    parents_first_language = models.CharField("parents' first language", max_length=100, blank=True)
    has_disability = models.CharField(
        "disability", max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.NOT_KNOWN
    )
    disability_details = models.TextField(max_length=2000, blank=True)
    interpreter_needed = models.BooleanField("interpreter or signer needed", default=False)
    special_requirements = models.TextField(max_length=2000, blank=True)
    school = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="school or setting"
    )
    gp_practice = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="GP practice"
    )
    # The agency that opened the record holds it as its own information, before any consent to share.
    recording_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="recorded_children")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The newest consent record, kept by the consent services: the one that governs sharing.
    current_consent = models.ForeignKey(
        "Consent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Phonetic keys (metaphone) of the child's names, so the child index tolerates small misspellings.
    surname_key = models.CharField(max_length=40, blank=True, editable=False)
    name_keys = models.CharField(max_length=400, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["surname_key", "name_keys"])

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        permissions = [
            ("view_child_named", "Named practitioner on the child's team"),
            ("view_child_emergency", "Emergency access to the child's record"),
        ]
        indexes = [
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["postcode"]),
            models.Index(fields=["surname_key"]),
            # The children list's order: lets PostgreSQL stop after a page of visible children.
            models.Index(fields=["last_name", "first_name", "id"], name="child_list_order"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.is_unborn and not self.first_name:
            return f"Unborn baby of {self.unborn_mother_name}"
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self):
        return reverse("child-detail", args=[self.pk])

    @staticmethod
    def phonetic_fields(first_name: str, last_name: str, other_names: str) -> dict:
        """The child index's phonetic keys of these names (`surname_key`, `name_keys`), computed here only."""
        keys = {phonetic_key(n) for n in name_words(first_name, last_name, other_names)}
        return {
            "surname_key": phonetic_key(last_name),
            "name_keys": " " + " ".join(sorted(k for k in keys if k)) + " ",
        }

    def save(self, *args, **kwargs):
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
        for field, value in self.phonetic_fields(self.first_name, self.last_name, self.other_names).items():
            setattr(self, field, value)
        super().save(*args, **kwargs)

    @property
    def age_description(self) -> str:
        if self.is_unborn:
            return "Unborn"
        if not self.date_of_birth:
            return "Not known"
        today = date.today()
        months = (today.year - self.date_of_birth.year) * 12 + today.month - self.date_of_birth.month
        if today.day < self.date_of_birth.day:
            months -= 1
        if months < 24:
            return f"{months} month{'s' if months != 1 else ''}"
        return f"{months // 12} years {months % 12} month{'s' if months % 12 != 1 else ''}"


class FamilyMember(models.Model):
    """Someone in the child's family or household: a parent or carer, a sibling or another adult."""

    class Kind(models.TextChoices):
        PARENT_CARER = "parent_carer", "Parent or carer"
        SIBLING = "sibling", "Brother or sister"
        OTHER_ADULT = "other_adult", "Other significant adult"
        OTHER_CHILD = "other_child", "Other child in the household"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="family")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(
        "relationship to the child", max_length=100, help_text="For example, mother, stepfather, grandmother"
    )
    parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField("lives with the child", default=False)
    date_of_birth = models.DateField(null=True, blank=True)
    phone = models.CharField("telephone", max_length=30, blank=True, validators=[UK_PHONE])
    email = models.EmailField(blank=True)
    address = models.TextField(max_length=500, blank=True, help_text="Leave blank if the same as the child's")
    first_language = models.CharField(max_length=100, blank=True)
    # A sibling (or other child) who has a record of their own.
    linked_child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.relationship})"


class InvolvementQuerySet(CurrentQuerySet):
    pass


class Involvement(models.Model):
    """An agency (and optionally a named practitioner) working with the child: the team around the child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="involvements")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="involvements"
    )
    role = models.CharField(
        "role with the child", max_length=200, help_text="For example, class teacher, health visitor, housing officer"
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()
    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "agency"],
                condition=Q(ended_on__isnull=True),
                name="one_current_involvement_per_agency",
            )
        ]
        indexes = [models.Index(fields=["agency", "ended_on", "child"])]

    def __str__(self):
        return f"{self.agency} with {self.child}"


class LeadProfessionalQuerySet(CurrentQuerySet):
    def current_for(self, child):
        """THE child's current lead professional, with who and which agency, or None: the one place it is asked."""
        return self.current().filter(child=child).select_related("practitioner", "agency").first()


class LeadProfessional(models.Model):
    """The single point of contact for the family, chosen with them. At most one current per child."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="lead_professionals")
    practitioner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leads")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    family_agreed = models.BooleanField("the family agreed", default=False)
    agreed_on = models.DateField("date the family agreed", null=True, blank=True)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = LeadProfessionalQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(ended_on__isnull=True), name="one_current_lead")
        ]
        indexes = [models.Index(fields=["practitioner", "ended_on"])]

    def __str__(self):
        return f"{self.practitioner} leads for {self.child}"


class Consent(models.Model):
    """A family's consent to store and share information. The newest record governs."""

    class GivenBy(models.TextChoices):
        PARENT = "parent", "A parent or carer with parental responsibility"
        YOUNG_PERSON = "young_person", "The young person"
        BOTH = "both", "Both the young person and a parent or carer"

    class Method(models.TextChoices):
        WRITTEN = "written", "Written"
        VERBAL = "verbal", "Verbal"

    class Scope(models.TextChoices):
        BASIC = "basic", "Basic information only"
        ADDITIONAL = "additional", "Basic and additional information"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(max_length=20, choices=GivenBy.choices)
    given_by_name = models.CharField("name of the person giving consent", max_length=200)
    capacity = models.CharField(
        "capacity to consent",
        max_length=300,
        blank=True,
        help_text="For a young person: how you judged they understood what they agreed to",
    )
    given_on = models.DateField("date consent was given")
    method = models.CharField(max_length=10, choices=Method.choices)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    all_involved_agencies = models.BooleanField("covers every agency in the team around the child", default=True)
    agencies_included = models.ManyToManyField(Agency, blank=True, related_name="+")
    agencies_excluded = models.ManyToManyField(
        Agency, blank=True, related_name="+", help_text="Agencies that may not see additional information"
    )
    purposes = models.TextField(max_length=2000)
    review_on = models.DateField("review date", null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(m2m_fields=[agencies_included, agencies_excluded])

    class Meta:
        ordering = ["-given_on", "-recorded_at"]
        get_latest_by = ["given_on", "recorded_at"]

    def __str__(self):
        return f"Consent from {self.given_by_name} on {self.given_on:%d %b %Y}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class ConsentCoverage(models.Model):
    """One agency a consent for "every agency in the team" covers, and why.

    The family agreed to the team they were told about: the agencies in the team when the consent was
    given are recorded with it ("in the team"). An agency that joins later, or one a practitioner wants
    to refer to, is covered only once the family's consent is confirmed for it ("confirmed"), with who
    confirmed it and when. The coverage rule itself is `agencies.access.consent_coverage`.
    """

    class Basis(models.TextChoices):
        IN_TEAM = "in_team", "In the team when consent was given"
        CONFIRMED = "confirmed", "Confirmed with the family later"

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="coverage")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=10, choices=Basis.choices)
    agreed_by_name = models.CharField("who in the family agreed", max_length=200, blank=True)
    agreed_on = models.DateField("date the family agreed", null=True, blank=True)
    method = models.CharField(max_length=10, choices=Consent.Method.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["consent", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["consent", "agency"], name="one_coverage_per_consent_agency")]

    def __str__(self):
        return f"{self.agency} ({self.get_basis_display().lower()})"


class Disclosure(models.Model):
    """A sharing decision and its reasons (the seventh golden rule), whether or not information was shared."""

    class Basis(models.TextChoices):
        CONSENT = "consent", "With consent"
        OVERRIDE = "override", "Without consent (safeguarding override)"
        NOT_SHARED = "not_shared", "Decided not to share"

    class Scope(models.TextChoices):
        BASIC = "basic", "Basic information"
        ADDITIONAL = "additional", "Basic and additional information"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="disclosures")
    what = models.TextField("what was shared", max_length=2000)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.BASIC)
    shared_with = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    purpose = models.TextField(max_length=2000)
    basis = models.CharField(max_length=12, choices=Basis.choices)
    lawful_basis = models.CharField(max_length=300, blank=True)
    reason = models.TextField(max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["child", "shared_with", "basis"])]

    def __str__(self):
        return f"{self.get_basis_display()}: {self.shared_with} ({self.decided_at:%d %b %Y})"


class SafeguardingEscalation(models.Model):
    """A practitioner's record that they suspect significant harm and have contacted children's social care,
    and social care's decision, which only social care records."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting social care's decision"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        ADVICE = "advice", "Advice given"
        STEP_DOWN = "step_down", "Stepped down to early help"
        ASSESSMENT_S17 = "assessment_s17", "Children and families assessment (section 17)"
        STRATEGY_S47 = "strategy_s47", "Strategy discussion and section 47 enquiry"
        ALREADY_OPEN = "already_open", "Already open to social care"
        # Decisions recorded as free text before outcomes were structured (kept, never offered again).
        DECIDED = "decided", "Decided (outcome recorded as text)"

    # The outcomes social care may record today, and those that take the child into social care's work.
    DECISIONS = (
        Outcome.NO_FURTHER_ACTION,
        Outcome.ADVICE,
        Outcome.STEP_DOWN,
        Outcome.ASSESSMENT_S17,
        Outcome.STRATEGY_S47,
        Outcome.ALREADY_OPEN,
    )
    STEP_UP_OUTCOMES = (Outcome.ASSESSMENT_S17, Outcome.STRATEGY_S47, Outcome.ALREADY_OPEN)

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="escalations")
    concern = models.TextField("the concern", max_length=4000)
    contacted_at = models.DateTimeField("when social care were contacted")
    contacted_whom = models.CharField("who you spoke to", max_length=300)
    # Children's social care (or the area's front door) that decides; set when the escalation is recorded.
    social_care = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations_received"
    )
    # One working day from the contact: past it, the escalation is highlighted and social care reminded.
    decide_by = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    decision = models.TextField("note of the decision", max_length=4000, blank=True)
    decided_at = models.DateTimeField("when social care decided", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["social_care", "outcome", "decide_by"])]

    def __str__(self):
        return f"Safeguarding escalation for {self.child} ({self.get_outcome_display()})"

    @property
    def is_pending(self) -> bool:
        return self.outcome == self.Outcome.PENDING

    @property
    def is_overdue(self) -> bool:
        return self.is_pending and self.decide_by is not None and self.decide_by < timezone.now()


class HandoverNote(models.Model):
    """What a lead professional who hands over wants the next lead to know first."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="handover_notes")
    from_lead = models.ForeignKey(LeadProfessional, on_delete=models.PROTECT, related_name="handover_notes_written")
    to_lead = models.ForeignKey(LeadProfessional, on_delete=models.PROTECT, related_name="handover_notes_received")
    text = models.TextField("handover note", max_length=4000)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at"]
        constraints = [models.UniqueConstraint(fields=["from_lead", "to_lead"], name="one_handover_note_per_change")]

    def __str__(self):
        return f"Handover note for {self.child}"


class EmergencyAccess(models.Model):
    """Time-limited "break glass" access for a practitioner of an uninvolved agency, with their reason."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"Emergency access to {self.child} for {self.user} until {self.expires_at:%d %b %Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


class Coverage(models.Model):
    """One reason an agency may see a child's record, and how far: the access rule's answer, kept.

    Derived data, never edited by hand: `agencies.access.refresh_coverage(child_ids)` recomputes a child's rows
    from the rule (involvement, consent, overrides, the recording agency, open referrals, pending escalations)
    inside the transaction of every service that changes one of those, and `manage.py coverage --rebuild`
    recomputes all of them. Emergency access is not here: it is one user's, and time-limited.
    """

    class Why(models.TextChoices):
        OWN = "own", "The agency opened the record and is in the team"
        CONSENT = "consent", "The family's consent covers the agency, which is in the team"
        OVERRIDE = "override", "A safeguarding override names the agency, which is in the team"
        REFERRAL = "referral", "A referral to the agency awaits its answer"
        ESCALATION = "escalation", "A safeguarding concern awaits the agency's decision"

    # The reasons that need the agency in the team around the child (the others are basic details only).
    IN_TEAM = (Why.OWN, Why.CONSENT, Why.OVERRIDE)
    # The reasons that let the agency change the record (an override lets it read, not change).
    EDITING = (Why.OWN, Why.CONSENT)

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="coverage", db_index=False)
    # 1: basic details; 2: basic and additional information (agencies.access.Level).
    level = models.PositiveSmallIntegerField()
    why = models.CharField(max_length=10, choices=Why.choices)

    class Meta:
        constraints = [
            # Also the index for one child's rows (refreshing them, and one user's access to one child).
            models.UniqueConstraint(fields=["child", "agency", "why"], name="one_coverage_per_reason"),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="coverage_level_basic_or_additional"),
        ]
        # The lists: an agency's children at a level, busiest and smallest alike.
        indexes = [models.Index(fields=["agency", "level", "child"], name="coverage_agency_level_child")]

    def __str__(self):
        return f"{self.agency_id} sees {self.child_id} at level {self.level} ({self.why})"


class AccessEvent(models.Model):
    """Who looked at what, and when: every view of a child's record, every search, every refusal."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        SEARCH = "search", "Searched the child index"
        REFUSED = "refused", "Refused access"
        EMERGENCY = "emergency", "Used emergency access"
        DOWNLOAD = "download", "Downloaded"
        LIST = "list", "Saw in a list"

    class Role(models.TextChoices):
        """In which capacity the user acted, as far as the access rules knew it at the time."""

        LEAD = "lead", "Lead professional"
        MANAGER = "manager", "Agency manager"
        PRACTITIONER = "practitioner", "Practitioner"
        EMERGENCY = "emergency", "Practitioner with emergency access"
        NO_AGENCY = "none", "No current agency"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Child, null=True, blank=True, on_delete=models.PROTECT, related_name="access_events")
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=200)
    path = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    role = models.CharField(max_length=12, choices=Role.choices, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # Joins this row to the request's log lines (config/request_id.py).
    request_id = models.CharField(max_length=64, blank=True)
    # A list page's view names every child it showed (their ids, in the order shown), in one row.
    children_shown = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["child", "-at"])]

    def __str__(self):
        return f"{self.user} {self.get_action_display().lower()} {self.what}"


class ChildUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants on children: named practitioners and emergency access."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)
