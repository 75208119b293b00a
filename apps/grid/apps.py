from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "apps.grid"
    verbose_name = _("Grid")
    default_auto_field = "django.db.models.BigAutoField"
