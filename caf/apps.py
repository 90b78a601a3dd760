from django.apps import AppConfig


class CafConfig(AppConfig):
    name = "caf"
    verbose_name = "Common Assessment Framework"
