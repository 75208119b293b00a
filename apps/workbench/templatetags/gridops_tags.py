"""Small display helpers shared by the workbench and the portal."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.accounts.choices import Role
from apps.cases.choices import CaseState
from apps.cases.workflow import REPORT, Action

register = template.Library()

@register.simple_tag
def state_badge(state: str):
    try:
        label = CaseState(state).label
    except ValueError:
        label = state
    return format_html('<span class="badge state-{}">{}</span>', state, label)


def sla_status(case) -> dict | None:
    """The SLA status of a case for display, or None when it has no clock (yet).

    The SLA clock (`case.sla_clock`) belongs to the SLA app; this only reads it, tolerating its absence.
    """
    try:
        clock = case.sla_clock
    except (AttributeError, ObjectDoesNotExist):
        return None
    if clock is None:
        return None
    level = getattr(clock, "escalation_level", 0) or 0
    deadline = getattr(clock, "deadline", None) or getattr(clock, "deadline_at", None)
    warn_at = getattr(clock, "warning_at", None) or getattr(clock, "warn_at", None)
    warned = bool(getattr(clock, "warned_at", None)) or bool(getattr(clock, "warned", False))
    stopped = bool(getattr(clock, "stopped_at", None)) or getattr(clock, "is_running", True) is False
    now = timezone.now()
    if not warned and warn_at is not None and warn_at <= now:
        warned = True
    if level > 0 or (deadline is not None and deadline <= now and not stopped):
        kind = "escalated"
    elif warned:
        kind = "warning"
    else:
        kind = "ok"
    return {"kind": kind, "level": level, "deadline": deadline, "stopped": stopped}


@register.simple_tag
def sla_badge(case):
    status = sla_status(case)
    if status is None or status["stopped"]:
        return ""
    deadline = status["deadline"]
    due = timezone.localtime(deadline).strftime("%m-%d %H:%M") if deadline else ""
    if status["kind"] == "escalated":
        text = _("Overdue, escalated (level %(n)d)") % {"n": status["level"]} if status["level"] else _("Overdue")
        return format_html('<span class="badge sla-escalated" title="{}">{}</span>', due, text)
    if status["kind"] == "warning":
        return format_html('<span class="badge sla-warning" title="{}">{}</span>', due, _("Due soon"))
    if due:
        return format_html('<span class="badge sla-ok">{} {}</span>', _("Due"), due)
    return ""


@register.filter
def action_label(code: str) -> str:
    if code == REPORT:
        return _("Reported")
    try:
        return Action(code).label
    except ValueError:
        return {
            "contact_viewed": _("Contact details viewed"),
            "rate": _("Rated"),
            "rated": _("Rated"),
            "sla_warning": _("Deadline warning"),
            "sla_escalation": _("Escalated"),
            "suspend": _("Suspended"),
            "resume": _("Resumed"),
            "extend": _("Deadline extended"),
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
