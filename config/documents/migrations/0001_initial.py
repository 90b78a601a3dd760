"""The document job, moved here from caf (caf.0009): the same tables (caf_documentjob and its history,
caf_historicaldocumentjob, kept by db_table) and rows, so only Django's state changes. The two content types
are renamed rather than made anew, so the administrators' permissions and the admin log keep pointing at
them."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ("documentjob", "historicaldocumentjob")


def content_types_follow(apps, schema_editor, source="caf", target="documents"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=source, model__in=MODELS).update(app_label=target)


def content_types_go_back(apps, schema_editor):
    content_types_follow(apps, schema_editor, source="documents", target="caf")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("caf", "0009_documentjob_moves_to_documents"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalDocumentJob",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("caf", "CAF"), ("directory", "Directory")], max_length=10)),
                        ("directory_version_id", models.PositiveIntegerField(blank=True, null=True)),
                        ("template_version", models.CharField(max_length=20)),
                        ("content_stamp", models.CharField(blank=True, max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("rendering", "Rendering"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                    ("removed", "Removed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        (
                            "file",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="file, relative to the private files root"
                            ),
                        ),
                        ("size", models.PositiveIntegerField(blank=True, null=True)),
                        ("page_count", models.PositiveIntegerField(blank=True, null=True)),
                        ("checksum", models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the file")),
                        ("error", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("queued_at", models.DateTimeField(blank=True, null=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("removed_at", models.DateTimeField(blank=True, null=True)),
                        ("parts_total", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("parts_done", models.PositiveSmallIntegerField(default=0)),
                        ("progress_at", models.DateTimeField(blank=True, null=True)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "assessment",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="caf.assessment",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical document job",
                        "verbose_name_plural": "historical document jobs",
                        "db_table": "caf_historicaldocumentjob",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="DocumentJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(choices=[("caf", "CAF"), ("directory", "Directory")], max_length=10)),
                        ("directory_version_id", models.PositiveIntegerField(blank=True, null=True)),
                        ("template_version", models.CharField(max_length=20)),
                        ("content_stamp", models.CharField(blank=True, max_length=64)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("rendering", "Rendering"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                    ("removed", "Removed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        (
                            "file",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="file, relative to the private files root"
                            ),
                        ),
                        ("size", models.PositiveIntegerField(blank=True, null=True)),
                        ("page_count", models.PositiveIntegerField(blank=True, null=True)),
                        ("checksum", models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the file")),
                        ("error", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("queued_at", models.DateTimeField(blank=True, null=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("removed_at", models.DateTimeField(blank=True, null=True)),
                        ("parts_total", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("parts_done", models.PositiveSmallIntegerField(default=0)),
                        ("progress_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "assessment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="caf.assessment",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "caf_documentjob",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(fields=["status", "created_at"], name="caf_documen_status_ec0c9a_idx")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("assessment__isnull", False),
                                        ("directory_version_id__isnull", True),
                                        ("kind", "caf"),
                                    ),
                                    models.Q(
                                        ("assessment__isnull", True),
                                        ("directory_version_id__isnull", False),
                                        ("kind", "directory"),
                                    ),
                                    _connector="OR",
                                ),
                                name="document_job_has_one_source_of_its_kind",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("kind", "caf"), models.Q(("status__in", ["failed", "removed"]), _negated=True)
                                ),
                                fields=("assessment", "template_version", "content_stamp"),
                                name="one_live_caf_document",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(
                                    ("kind", "directory"),
                                    models.Q(("status__in", ["failed", "removed"]), _negated=True),
                                ),
                                fields=("directory_version_id", "template_version"),
                                name="one_live_directory_document",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
