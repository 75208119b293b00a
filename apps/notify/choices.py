from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    IN_APP = "inapp", _("In the app")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed")


# Message keys -> text with %(name)s parameters. Parameters never hold a resident's personal data.
MESSAGES = {
    "sla_warning": _("Case %(code)s: the %(stage)s stage is due soon (deadline %(deadline)s)."),
    "sla_escalation": _("Case %(code)s is overdue in the %(stage)s stage: escalated to level %(level)s."),
    "report": _("New report %(code)s in your grid cell."),
    "dispatch": _("Case %(code)s was dispatched to your department."),
    "accept": _("Case %(code)s was accepted by the handler."),
    "resolve": _("Case %(code)s is reported done: please verify it."),
    "return": _("Case %(code)s was returned as misrouted: please dispatch it again."),
    "verify_fail": _("Case %(code)s failed verification: it needs more work."),
    "verify_pass": _("Case %(code)s was verified and closed."),
    "close": _("Case %(code)s was closed."),
    "reject": _("Your report %(code)s was not accepted as a case."),
    "reopen": _("Case %(code)s was reopened."),
    "suspension_request": _("Case %(code)s: suspension requested, waiting for your decision."),
    "suspension_approve": _("Case %(code)s: the suspension was approved; the clock is stopped."),
    "suspension_refuse": _("Case %(code)s: the suspension was refused."),
    "suspension_resume": _("Case %(code)s: the clock runs again."),
    "extension_request": _("Case %(code)s: extension requested, waiting for your decision."),
    "extension_approve": _("Case %(code)s: the extension was approved."),
    "extension_refuse": _("Case %(code)s: the extension was refused."),
}
