"""Agencies, the practitioners who sign in, and their memberships of agencies."""

import json
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

UK_POSTCODE = RegexValidator(
    r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$",
    "Enter a real postcode, like SW1A 1AA",
)
UK_PHONE = RegexValidator(
    r"^(\+44\s?|0)[0-9\s()-]{9,14}$",
    "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
)


def normalise_postcode(value: str) -> str:
    """Upper-case a postcode and put the single space before its inward code."""
    compact = "".join(value.split()).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: practitioners (through their memberships) and platform administrators.

    Platform administrators (is_staff) manage accounts and agencies; being one grants no access to
    case data, which only follows agency membership.
    """

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField("full name", max_length=150)
    job_title = models.CharField(max_length=150, blank=True)
    phone = models.CharField("telephone", max_length=30, blank=True, validators=[UK_PHONE])
    role_outline = models.TextField("outline of your role", max_length=2000, blank=True)
    availability = models.CharField(
        "times of availability",
        max_length=300,
        blank=True,
        help_text="For example, Monday to Thursday 8:30am to 4pm, term time only",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "platform administrator",
        default=False,
        help_text="Can use the administration site. Gives no access to children's records.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Agency(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        EARLY_YEARS = "early_years", "Early years setting"
        CHILDRENS_CENTRE = "childrens_centre", "Children's centre"
        GP_PRACTICE = "gp_practice", "GP practice"
        HEALTH_VISITING = "health_visiting", "Health visiting"
        SCHOOL_NURSING = "school_nursing", "School nursing"
        CAMHS = "camhs", "Child and adolescent mental health service (CAMHS)"
        SOCIAL_CARE = "social_care", "Children's social care"
        POLICE = "police", "Police"
        YOUTH_JUSTICE = "youth_justice", "Youth justice"
        HOUSING = "housing", "Housing"
        EDUCATION_WELFARE = "education_welfare", "Education welfare"
        EDUCATIONAL_PSYCHOLOGY = "educational_psychology", "Educational psychology"
        DRUG_ALCOHOL = "drug_alcohol", "Drug and alcohol service"
        VOLUNTARY = "voluntary", "Voluntary or community organisation"
        OTHER = "other", "Other"

    class Sector(models.TextChoices):
        STATUTORY = "statutory", "Statutory"
        VOLUNTARY = "voluntary", "Voluntary"
        PRIVATE = "private", "Private"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    address = models.TextField(max_length=500, blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[UK_POSTCODE])
    phone = models.CharField("telephone", max_length=30, blank=True, validators=[UK_PHONE])
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField("active", default=True)
    # Every agency has its own group; its members are in it, so grants can be made to the agency.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency", editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        permissions = [("manage_agency", "Manage the agency's details and members")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
        if not self.group_id:
            # Named by a random id, not the agency's name, so a rename can never collide with a group.
            self.group = Group.objects.create(name=f"agency-{uuid.uuid4()}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("agency-detail", args=[self.pk])


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class Membership(models.Model):
    """A practitioner's place in an agency. Leaving ends the membership; the account stays."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        MANAGER = "manager", "Manager"
        COORDINATOR = "coordinator", "Directory co-ordinator"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user"],
                condition=Q(ended_on__isnull=True),
                name="one_current_membership_per_agency",
            )
        ]
        indexes = [models.Index(fields=["user", "ended_on"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}, {self.agency}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class AgencyUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key grants on agencies, so permission checks join instead of scanning generics."""

    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)


class AgencyGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agency, on_delete=models.CASCADE)


class SignInEvent(models.Model):
    """Sign-ins, sign-outs, failures, lockouts and time-outs: the account side of the audit trail."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGNED_OUT = "signed_out", "Signed out"
        TIMED_OUT = "timed_out", "Signed out after inactivity"
        FAILED = "failed", "Failed sign-in"
        LOCKED_OUT = "locked_out", "Locked out"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.email} at {self.at:%Y-%m-%d %H:%M}"


class PendingSubmission(models.Model):
    """A form a practitioner submitted just after their session timed out, kept until they sign in again.

    The page they return to (`page`: the form's own page, or the page a button was on) puts it back into
    its form, once; it is deleted then, or after `KEPT_SUBMISSION_HOURS` by a beat task, so the child's
    details typed into it do not stay in the database.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    # Where it was posted, and the page to return the user to.
    path = models.CharField(max_length=300)
    page = models.CharField(max_length=300, default="")
    # The posted fields as JSON text ({name: [values]}), escaped to ASCII: PostgreSQL can store neither a
    # NUL character in text nor \u0000 in jsonb, and a NUL typed (or pasted) must not lose the rest.
    payload = models.TextField(default="{}")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "page"])]

    @property
    def data(self) -> dict[str, list[str]]:
        return json.loads(self.payload)

    def __str__(self):
        return f"Submission to {self.path} kept for {self.user}"
