"""Referrals between agencies: a traceable request, an answer within a stated time, and a visible chain."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from agencies.models import Agency
from caf.models import Assessment
from children.models import Child, Disclosure


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Awaiting response"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REDIRECTED = "redirected", "Redirected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        URGENT = "urgent", "Urgent"

    class Basis(models.TextChoices):
        CONSENT = "consent", "The family's consent covers the receiving agency"
        OVERRIDE = "override", "Without consent (safeguarding override, agency managers only)"

    OPEN_STATUSES = (Status.SENT, Status.ACCEPTED)

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_sent")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_sent")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_received")
    to_service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name="service referred to",
    )
    reason = models.TextField("reason for the referral and the child's needs", max_length=4000)
    tried = models.TextField("what has been tried already", max_length=4000, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    share_caf = models.BooleanField("share the current CAF", default=False)
    caf = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField("sharing basis", max_length=10, choices=Basis.choices, default=Basis.CONSENT)
    disclosure = models.ForeignKey(Disclosure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer_reason = models.TextField("reason", max_length=4000, blank=True)
    redirected_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="redirected_to"
    )
    outcome = models.TextField(max_length=4000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["to_agency", "status", "respond_by"]),
            models.Index(fields=["from_agency", "-sent_at"]),
            models.Index(fields=["to_agency", "-sent_at"]),  # the inbox's closed tab, newest first
            models.Index(fields=["child", "to_agency", "status"]),
        ]

    def __str__(self):
        return f"Referral of {self.child} from {self.from_agency} to {self.to_agency}"

    def get_absolute_url(self):
        return reverse("referral-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.SENT and self.respond_by is not None and self.respond_by < timezone.localdate()
        )

    def chain(self) -> list["Referral"]:
        """The whole redirect chain this referral belongs to, first to last."""
        first = self
        while first.redirected_from_id:
            first = first.redirected_from
        chain = [first]
        while True:
            try:
                chain.append(chain[-1].redirected_to)
            except Referral.DoesNotExist:
                return chain


class EmailDelivery(models.Model):
    """One email about one referral event to one address, as sent before notifications moved to
    `agencies.NotificationEmail`: kept as the record of those sends. Nothing writes new rows."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="emails")
    event = models.CharField(max_length=30)
    recipient = models.EmailField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "event", "recipient"], name="one_email_per_event_recipient")
        ]

    def __str__(self):
        return f"{self.event} to {self.recipient}"
