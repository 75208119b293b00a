from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    HOTLINE = "hotline", _("Hotline operator")
    OFFICER = "officer", _("Grid officer")
    HANDLER = "handler", _("Department handler")
    DISPATCHER = "dispatcher", _("Dispatcher")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.HOTLINE, Role.OFFICER, Role.HANDLER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
