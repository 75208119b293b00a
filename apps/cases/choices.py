"""Case states, channels and the other enumerations of the cases app.

The workflow's transition table lives beside these in `workflow.py`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATES = frozenset(
    {CaseState.REPORTED, CaseState.REGISTERED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RESOLVED}
)
FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.REJECTED})


class Channel(models.TextChoices):
    RESIDENT_WEB = "web", _("Resident (web)")
    HOTLINE = "hotline", _("12345 hotline")
    PATROL = "patrol", _("Officer patrol")
    SENSOR = "sensor", _("Sensor")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("Component (部件)")
    EVENT = "event", _("Event (事件)")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
