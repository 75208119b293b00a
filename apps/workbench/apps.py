from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "apps.workbench"
    default_auto_field = "django.db.models.BigAutoField"
