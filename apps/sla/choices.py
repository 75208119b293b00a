from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    REGISTER = "register", _("Register")
    DISPATCH = "dispatch", _("Dispatch")
    HANDLE = "handle", _("Handle")
    VERIFY = "verify", _("Verify")


# Case state -> the stage whose clock runs in it. Closed and rejected cases have no clock.
STAGE_FOR_STATE = {
    "reported": Stage.REGISTER,
    "registered": Stage.DISPATCH,
    "dispatched": Stage.HANDLE,
    "in_progress": Stage.HANDLE,
    "resolved": Stage.VERIFY,
}
# Actions that send a case back to a stage it was already in, starting that stage afresh.
RESTART_ACTIONS = frozenset({"return", "verify_fail", "reopen"})


class TimeBasis(models.TextChoices):
    WORKING = "working", _("Working time (business calendar)")
    CLOCK = "clock", _("Clock time (around the clock)")


class LimitUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    SAME_DAY = "same_day", _("the same day")


class AlertKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    ESCALATION = "escalation", _("Escalation")


class RequestKind(models.TextChoices):
    SUSPENSION = "suspension", _("Suspension")
    EXTENSION = "extension", _("Extension")


class RequestStatus(models.TextChoices):
    # "Pending" alone is the outbox's word (待发送): a request waits for a decision.
    PENDING = "pending", pgettext_lazy("clock request", "Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    ENDED = "ended", _("Ended")


class SlaStatus(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    WARNING = "warning", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated")
    SUSPENDED = "suspended", _("Suspended")
    STOPPED = "stopped", _("Stopped")
    NONE = "none", _("No time limit")


MAX_ESCALATION_LEVEL = 3
