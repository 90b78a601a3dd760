from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = "Agencies and practitioners"

    def ready(self):
        # Registers the deployment checks and connects the sign-in audit receivers.
        from . import checks, signals  # noqa: F401
