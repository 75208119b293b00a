"""Reads of the SLA engine."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import RequestKind, RequestStatus
from .models import CaseClock, ClockRequest


def clock_overdue_q(*, now: datetime, prefix: str = "") -> Q:
    """Running clocks past their deadline at `now`, as a filter (prefix "sla_clock__" to filter cases).

    The rule of `CaseClock.past_deadline`: exactly at the deadline a stage is still on time, so a
    list or count made with this agrees with the status badges, the sweep and the finished stages.
    A suspended clock counts as suspended, as its status says."""
    return Q(**{f"{prefix}deadline__lt": now, f"{prefix}is_suspended": False}) & ~Q(**{f"{prefix}stage": ""})


def clock_get(*, case) -> CaseClock | None:
    return CaseClock.objects.select_related("policy").filter(case_id=case.pk).first()


def clock_request_list(*, case) -> QuerySet[ClockRequest]:
    return ClockRequest.objects.filter(case_id=case.pk).select_related("requested_by", "decided_by")


def case_sla_status(*, case) -> dict:
    """What a page or the API shows about a case's time limit."""
    clock = clock_get(case=case)
    now = timezone.now()
    if clock is None:
        return {
            "status": "none",
            "stage": "",
            "deadline": None,
            "warn_at": None,
            "escalation_level": 0,
            "is_suspended": False,
            "extensions_left": 0,
            "policy": None,
        }
    used = ClockRequest.objects.filter(
        case_id=case.pk, kind=RequestKind.EXTENSION, status=RequestStatus.APPROVED
    ).count()
    cap = clock.policy.max_extensions if clock.policy else 0
    return {
        "status": clock.status_at(now),
        "stage": clock.stage,
        "stage_round": clock.stage_round,
        "stage_started_at": clock.stage_started_at,
        "basis": clock.basis,
        "deadline": clock.deadline,
        "warn_at": clock.warn_at,
        "escalation_level": clock.escalation_level,
        "is_suspended": clock.is_suspended,
        "extensions_left": max(cap - used, 0),
        "policy": clock.policy.name if clock.policy else None,
    }


def clock_request_list_for_user(*, user, status: str | None = None) -> QuerySet[ClockRequest]:
    """Requests on the cases `user` may see (a supervisor's queue of decisions: status="pending")."""
    from apps.cases.selectors import case_list_for_user

    qs = ClockRequest.objects.filter(case_id__in=case_list_for_user(user=user).values("pk")).select_related(
        "case", "requested_by", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")
