from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProjectConfig(AppConfig):
    """The project's own app: web plumbing every app shares (paging, the navigation, history pages, the
    error pages, wording filters, the form layer, who is on the other end of a request, the request id),
    the "My work" home page that reads from every app, the demo loader, and the audit trail's append-only
    guard. It has no models (the documents pipeline, config/documents/, is an app of its own)."""

    name = "config"
    verbose_name = "Team Around the Child (shared)"

    def ready(self):
        from . import append_only

        # After every migrate the audit tables refuse changes (this app has no models, so Django sends it no
        # post_migrate of its own: the receiver waits for the last app's).
        post_migrate.connect(append_only.install_after_migrate, dispatch_uid="append_only")
