"""The document job moves to the shared PDF pipeline (config/documents/, app label "documents"): this forgets
it from caf's state only. Its tables (caf_documentjob, caf_historicaldocumentjob) and rows stay as they are;
documents.0001_initial takes them over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("caf", "0008_document_lease"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="historicaldocumentjob",
                    name="assessment",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentjob",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicaldocumentjob",
                    name="requested_by",
                ),
                migrations.DeleteModel(
                    name="DocumentJob",
                ),
                migrations.DeleteModel(
                    name="HistoricalDocumentJob",
                ),
            ],
            database_operations=[],
        ),
    ]
