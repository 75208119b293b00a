"""Template helpers of the SLA pages: status badges and the count of requests waiting for a decision."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from apps.sla import selectors, services
from apps.sla.choices import SlaStatus

register = template.Library()

_STATUS_CLASSES = {
    SlaStatus.ON_TIME: "sla-ok",
    SlaStatus.WARNING: "sla-warning",
    SlaStatus.OVERDUE: "sla-escalated",
    SlaStatus.ESCALATED: "sla-escalated",
    SlaStatus.SUSPENDED: "sla-suspended",
}


@register.simple_tag
def clock_status_badge(status: dict):
    """The badge of `apps.sla.selectors.case_sla_panel`'s status."""
    return format_html(
        '<span class="badge {}">{}</span>', _STATUS_CLASSES.get(status["status"], "sla-none"), status["label"]
    )


@register.simple_tag
def request_status_badge(req):
    return format_html('<span class="badge req-{}">{}</span>', req.status, req.get_status_display())


@register.simple_tag(takes_context=True)
def pending_decisions(context) -> int | None:
    """How many requests wait for the user's decision; None if their role decides none (no link
    then). Counted once per page: the navigation and the dashboard both ask."""
    user = context.get("user")
    if not getattr(user, "is_staff_role", False) or not services.clock_may_decide(user=user):
        return None
    request = context.get("request")
    count = getattr(request, "_sla_pending_decisions", None)
    if count is None:
        count = selectors.clock_request_pending_count(user=user)
        if request is not None:
            request._sla_pending_decisions = count
    return count
