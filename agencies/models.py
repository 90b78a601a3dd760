"""Agencies, the practitioners who sign in, and their memberships of agencies."""

import json
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Group, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from config.current import CurrentQuerySet

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

    class NotificationEmail(models.TextChoices):
        IMMEDIATE = "immediate", "An email for each notification, as it happens"
        DAILY = "daily", "One email a day summarising them"

    notification_email = models.CharField(
        "how you get emails about notifications",
        max_length=10,
        choices=NotificationEmail.choices,
        default=NotificationEmail.IMMEDIATE,
    )

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

    # Where children are taught or cared for every day: a child's school, and the settings that publish a
    # multi-agency directory. Defined here once.
    SETTING_KINDS = (Kind.SCHOOL, Kind.EARLY_YEARS, Kind.CHILDRENS_CENTRE)

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


# The history's change reason of every membership change made in the administration site.
ADMIN_SITE_CHANGE = "Changed in the administration site"


class MembershipQuerySet(CurrentQuerySet):
    pass


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
        THROTTLED = "throttled", "Sign-in slowed down"
        PASSWORD_CHANGED = "password_changed", "Changed their password"
        RESET_REQUESTED = "reset_requested", "Asked for a password reset link"
        RESET_REFUSED = "reset_refused", "Password reset link not sent (too many asked for)"
        PASSWORD_RESET = "password_reset", "Set a new password from a reset link"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    email = models.CharField(max_length=254, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        # The sign-in throttle (agencies/throttle.py) counts recent failures per account and per address.
        indexes = [
            models.Index(fields=["email", "at"], name="signin_email_at"),
            models.Index(fields=["ip_address", "at"], name="signin_address_at"),
        ]

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


class Notification(models.Model):
    """Something that happened that one user should know about, shown to that user in the product.

    Made only by `agencies.notifications.notify`. One row per (occurrence, user): an occurrence names one
    happening ("referral:12:accepted"), so telling someone twice about the same thing creates nothing.
    The text is shown only to its user; the link is a path inside the product (never personal data).
    """

    class Event(models.TextChoices):
        # The label is all an email says about the event: never put a name or a need in it.
        REFERRAL_RECEIVED = "referral_received", "New referral"
        REFERRAL_ACCEPTED = "referral_accepted", "Referral accepted"
        REFERRAL_DECLINED = "referral_declined", "Referral declined"
        REFERRAL_REDIRECTED = "referral_redirected", "Referral redirected"
        REFERRAL_WITHDRAWN = "referral_withdrawn", "Referral withdrawn"
        REFERRAL_COMPLETED = "referral_completed", "Referral completed"
        ACTION_ASSIGNED = "action_assigned", "Action assigned to you"
        ACTION_OVERDUE = "action_overdue", "Action overdue"
        ESCALATION_RAISED = "escalation_raised", "Safeguarding concern raised"
        ESCALATION_DECISION = "escalation_decision", "Safeguarding decision recorded"
        ESCALATION_REMINDER = "escalation_reminder", "Safeguarding concern awaiting a decision"
        LEAD_CHANGED = "lead_changed", "Lead professional changed"
        HANDOVER_NOTE = "handover_note", "Handover note"
        INVOLVEMENT_ENDED = "involvement_ended", "Involvement ended"
        CONSENT_CONFIRMED = "consent_confirmed", "Consent confirmed for a new agency"
        REVIEW_DUE = "review_due", "Review due soon"
        MEMBERSHIP_CHANGED = "membership_changed", "Membership changed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=Event.choices)
    occurrence = models.CharField(max_length=200)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="one_notification_per_occurrence_user")
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_list"),
            # The header counts a user's unread notifications on every page: this keeps that count small.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["user", "link"], condition=Q(read_at__isnull=True), name="notification_unread_link"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} for user {self.user_id}"

    def get_absolute_url(self):
        return reverse("notification-open", args=[self.pk])


class NotificationDigest(models.Model):
    """The one daily summary email a user who chose the digest gets for a day. Its unique key is what makes
    it one a day, however many times the digest task runs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    summary = models.JSONField(default=dict)  # {event label: count}: no personal data

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_day")]

    def __str__(self):
        return f"Digest for user {self.user_id} on {self.day}"


class NotificationEmail(models.Model):
    """The email outbox: one row per (occurrence, address) to be emailed, written in the same transaction
    as the notification, so an email is never lost to a broker that was down when it was queued.

    A row for a user is sent by `agencies.send_notification_email` if they want immediate emails, or in
    their daily digest; a row for an agency's shared address (no user, no notification) is always sent at
    once. `sent_at` is set in the transaction that holds the row's lock while sending: a task that runs
    twice sends nothing twice.
    """

    event = models.CharField(max_length=40, choices=Notification.Event.choices)
    occurrence = models.CharField(max_length=200)
    recipient = models.EmailField()
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    link = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        NotificationDigest, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "recipient"], name="one_email_per_occurrence_recipient")
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_email_unsent")
        ]

    def __str__(self):
        return f"{self.get_event_display()} email {self.pk}"


class AccountEmail(models.Model):
    """The outbox for account emails: an invitation to set a password (written in the transaction that adds
    the membership) and a password-reset link (written when someone asks for one). Sent by
    `agencies.send_account_email`, queued again by beat's outbox sweeper while unsent, exactly once per key.

    Holds no link: the password-reset token is made when the email is sent, so no working sign-in link is
    ever stored in the database.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation to set a password"
        PASSWORD_RESET = "password_reset", "Password reset"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The event and its recipient: "invitation:<membership id>", "password-reset:<user id>:<random>".
    key = models.CharField(max_length=100, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="account_email_unsent")]

    def __str__(self):
        return f"{self.get_kind_display()} email {self.pk}"


class SignedInSession(AbstractBaseSession):
    """A browser's session, with whose it is and where it signed in from, so its owner can see their
    other sessions and end them, and closing an account ends every one of its sessions at once."""

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions")
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "signed-in session"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
