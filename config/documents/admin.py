"""Document jobs for administrators: shown by their ids, status, error and timestamps, never the child's
details or the document's content, with the action "Make the selected PDFs again"."""

from django.contrib import admin, messages
from django.utils.translation import ngettext

from agencies.admin import ReadOnlyHistoryAdmin

from . import services
from .models import DocumentJob


@admin.register(DocumentJob)
class DocumentJobAdmin(ReadOnlyHistoryAdmin):
    list_display = ["pk", "source", "status", "template_version", "attempts", "created_at", "finished_at", "page_count"]
    list_filter = ["status", "kind", "template_version"]
    date_hierarchy = "created_at"
    list_select_related = ["requested_by"]
    fields = [
        "source",
        "status",
        "error",
        "template_version",
        "requested_by",
        "attempts",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "removed_at",
        "file",
        "size",
        "page_count",
        "checksum",
    ]
    readonly_fields = fields
    actions = ["queue_again"]

    @admin.display(description="Document")
    def source(self, job):
        if job.kind == DocumentJob.Kind.CAF:
            return f"CAF assessment #{job.assessment_id}"
        return f"Directory version #{job.directory_version_id}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Make the selected PDFs again (failed or stuck jobs)", permissions=["view"])
    def queue_again(self, request, queryset):
        outcomes = {"queued": 0, "skipped": 0}
        for job in queryset:
            outcomes[services.document_retry(job.pk, actor=request.user)] += 1
        if outcomes["queued"]:
            self.message_user(
                request,
                ngettext("%d PDF is being made again.", "%d PDFs are being made again.", outcomes["queued"])
                % outcomes["queued"],
                messages.SUCCESS,
            )
        if outcomes["skipped"]:
            self.message_user(
                request,
                ngettext(
                    "%d job was left alone: it is ready or removed, or a newer copy of the same document exists.",
                    "%d jobs were left alone: they are ready or removed, or newer copies of the same documents exist.",
                    outcomes["skipped"],
                )
                % outcomes["skipped"],
                messages.WARNING,
            )
