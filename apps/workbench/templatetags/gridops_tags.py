"""Small display helpers shared by the workbench and the portal."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.accounts.choices import Role
from apps.cases.choices import CaseState
from apps.cases.workflow import REPORT, Action
from apps.sla.choices import SlaStatus

register = template.Library()


@register.simple_tag
def state_badge(state: str):
    try:
        label = CaseState(state).label
    except ValueError:
        label = state
    return format_html('<span class="badge state-{}">{}</span>', state, label)


def sla_status(case) -> str | None:
    """The SLA status of a case (an `SlaStatus` value), or None when it has no clock.

    Reads `case.sla_clock` (select_related by the list views), tolerating its absence.
    """
    try:
        clock = case.sla_clock
    except (AttributeError, ObjectDoesNotExist):
        return None
    if clock is None:
        return None
    return clock.status_at(timezone.now())


_SLA_CLASSES = {
    SlaStatus.WARNING: "sla-warning",
    SlaStatus.OVERDUE: "sla-escalated",
    SlaStatus.ESCALATED: "sla-escalated",
    SlaStatus.ON_TIME: "sla-ok",
    SlaStatus.SUSPENDED: "sla-suspended",
}


@register.simple_tag
def sla_badge(case):
    status = sla_status(case)
    if status not in _SLA_CLASSES:
        return ""
    clock = case.sla_clock
    label = SlaStatus(status).label
    if status == SlaStatus.ESCALATED and clock.escalation_level:
        label = _("Escalated (level %(n)d)") % {"n": clock.escalation_level}
    title = ""
    if clock.deadline:
        title = _("Deadline %(at)s") % {"at": timezone.localtime(clock.deadline).strftime("%Y-%m-%d %H:%M")}
    if status == SlaStatus.ON_TIME and clock.deadline:
        label = _("Due %(at)s") % {"at": timezone.localtime(clock.deadline).strftime("%m-%d %H:%M")}
    return format_html('<span class="badge {}" title="{}">{}</span>', _SLA_CLASSES[status], title, label)


@register.filter
def action_label(code: str) -> str:
    if code == REPORT:
        # The act of reporting (上报), not the state it leads to (已受理).
        return pgettext("history action", "Report submitted")
    try:
        return Action(code).label
    except ValueError:
        return {
            "contact_viewed": _("Contact details viewed"),
            "rate": _("Rated"),
            "rated": _("Rated"),
            "sla_warning": _("Deadline warning"),
            "sla_escalation": _("Escalated"),
            "suspension_request": _("Suspension requested"),
            "suspension_approve": _("Suspension approved"),
            "suspension_refuse": _("Suspension refused"),
            "suspension_resume": _("Clock resumed"),
            "extension_request": _("Extension requested"),
            "extension_approve": _("Extension approved"),
            "extension_refuse": _("Extension refused"),
        }.get(code, code.replace("_", " "))


@register.filter
def role_label(code: str) -> str:
    try:
        return Role(code).label
    except ValueError:
        return code or _("System")


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
