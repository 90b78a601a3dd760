from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Multi-agency directory"

    def ready(self):
        # The shared PDF pipeline renders this app's documents through the kind registered here.
        from config.documents.kinds import register

        from .documents import DirectoryDocument

        register(DirectoryDocument())
