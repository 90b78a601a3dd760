from django.apps import AppConfig


class CafConfig(AppConfig):
    name = "caf"
    verbose_name = "Common Assessment Framework"

    def ready(self):
        # The shared PDF pipeline renders this app's documents through the kind registered here.
        from config.documents.kinds import register

        from .documents import CafDocument

        register(CafDocument())
