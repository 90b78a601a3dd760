from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's own app: web plumbing every app shares (paging, the navigation, history pages, the
    error pages, wording filters), the "My work" home page that reads from every app, and the demo loader.
    It has no models."""

    name = "config"
    verbose_name = "Team Around the Child (shared)"
