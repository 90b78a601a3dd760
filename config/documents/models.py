"""The document job: one PDF to render in a worker, for any app (config/documents/__init__.py)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class DocumentJob(models.Model):
    """A PDF to render in a worker: a CAF version, or a published directory version.

    Created in the same transaction as the request; the Celery task takes only the job's id. A job is
    reused for the same source, template and content stamp, so asking twice never renders twice.
    """

    class Kind(models.TextChoices):
        CAF = "caf", "CAF"
        DIRECTORY = "directory", "Directory"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        # A CAF copy's file is deleted DOCUMENT_RETENTION_DAYS after it was made; the job stays as a record.
        REMOVED = "removed", "Removed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    assessment = models.ForeignKey(
        "caf.Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    # The directory app's migrations are not a dependency of this one: its published version is
    # referenced by plain id (directory.DirectoryVersion), never changed once published.
    directory_version_id = models.PositiveIntegerField(null=True, blank=True)
    template_version = models.CharField(max_length=20)
    # What the source looked like when asked for (the newest change to anything the document shows),
    # so a CAF edited since its last PDF gets a new one while an unchanged one reuses the file.
    content_stamp = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.CharField("file, relative to the private files root", max_length=200, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    checksum = models.CharField("SHA-256 of the file", max_length=64, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the task last reached the broker: empty while the broker could not be reached.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The rendering worker's lease, renewed every few seconds while it renders (services._lease).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # A large directory is laid out in parts by several workers, then joined (services): how many
    # parts, how many are made, and when one last was (the sweeper leaves a job that is moving alone).
    parts_total = models.PositiveSmallIntegerField(null=True, blank=True)
    parts_done = models.PositiveSmallIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)

    # The tables keep the names they had when the pipeline lived in caf/ (migration documents.0001).
    history = HistoricalRecords(table_name="caf_historicaldocumentjob")

    class Meta:
        db_table = "caf_documentjob"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="caf", assessment__isnull=False, directory_version_id__isnull=True)
                | Q(kind="directory", assessment__isnull=True, directory_version_id__isnull=False),
                name="document_job_has_one_source_of_its_kind",
            ),
            # At most one live job per source, template and content: a second request reuses it.
            models.UniqueConstraint(
                fields=["assessment", "template_version", "content_stamp"],
                condition=Q(kind="caf") & ~Q(status__in=["failed", "removed"]),
                name="one_live_caf_document",
            ),
            models.UniqueConstraint(
                fields=["directory_version_id", "template_version"],
                condition=Q(kind="directory") & ~Q(status__in=["failed", "removed"]),
                name="one_live_directory_document",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.CAF:
            source = f"CAF #{self.assessment_id}"
        else:
            source = f"directory version #{self.directory_version_id}"
        return f"PDF of {source} ({self.get_status_display().lower()})"

    @property
    def removal_due(self):
        """When a ready CAF copy's file will be deleted (directory PDFs are public and kept)."""
        if self.kind != self.Kind.CAF or self.status != self.Status.READY or self.finished_at is None:
            return None
        return self.finished_at + timedelta(days=settings.DOCUMENT_RETENTION_DAYS)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED, self.Status.REMOVED)
