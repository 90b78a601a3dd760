from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """The PDF pipeline every app's documents go through (config/documents/__init__.py)."""

    name = "config.documents"
    label = "documents"
    verbose_name = "Documents (PDF copies)"
