"""Reads of the SLA engine."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gridops.errors import DomainError

from .choices import RequestKind, RequestStatus, SlaStatus, Stage, TimeBasis
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


def _status_of(clock: CaseClock | None, *, extensions_used: int, now: datetime) -> dict:
    if clock is None:
        return {
            "status": "none",
            "stage": "",
            "deadline": None,
            "warn_at": None,
            "escalation_level": 0,
            "is_suspended": False,
            "extensions_left": 0,
            "extensions_used": extensions_used,
            "extensions_max": 0,
            "policy": None,
        }
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
        "extensions_left": max(cap - extensions_used, 0),
        "extensions_used": extensions_used,
        "extensions_max": cap,
        "policy": clock.policy.name if clock.policy else None,
    }


def case_sla_status(*, case) -> dict:
    """What a page or the API shows about a case's time limit."""
    clock = clock_get(case=case)
    used = 0
    if clock is not None:
        used = ClockRequest.objects.filter(
            case_id=case.pk, kind=RequestKind.EXTENSION, status=RequestStatus.APPROVED
        ).count()
    return _status_of(clock, extensions_used=used, now=timezone.now())


def _status_label(status: dict) -> str:
    if status["status"] == SlaStatus.ESCALATED and status["escalation_level"]:
        return _("Escalated (level %(n)d)") % {"n": status["escalation_level"]}
    try:
        return str(SlaStatus(status["status"]).label)
    except ValueError:
        return status["status"]


def _refusal(check, **kwargs) -> DomainError | None:
    try:
        check(**kwargs)
    except DomainError as err:
        return err
    return None


def case_sla_panel(*, user, case, at: datetime | None = None) -> dict:
    """The time limit of `case` as its page shows it to `user`, with what they may do about it.

    `status` is `case_sla_status`'s answer plus the labels of the status, stage and time basis and
    `suspended_since`; `requests` the case's suspension and extension requests, newest first.
    `offers` maps "extension", "suspension" and "resume" to None (the form may be shown) or the
    service's refusal now (shown instead of the form); a kind the user may not ask for at all is
    left out. `may_decide`: the user may approve or refuse the pending requests. The rules are the
    services' own checks; `case` must be one the user sees (`case_get_for_user`)."""
    from . import services

    now = at or timezone.now()
    clock = clock_get(case=case)
    requests = list(clock_request_list(case=case))
    used = sum(1 for r in requests if r.kind == RequestKind.EXTENSION and r.status == RequestStatus.APPROVED)
    status = _status_of(clock, extensions_used=used, now=now)
    running = clock is not None and bool(clock.stage)
    status["label"] = _status_label(status)
    status["stage_label"] = Stage(clock.stage).label if clock is not None and running else ""
    status["basis_label"] = TimeBasis(clock.basis).label if clock is not None and running else ""
    status["suspended_since"] = next(
        (
            r.decided_at
            for r in requests
            if r.kind == RequestKind.SUSPENSION and r.status == RequestStatus.APPROVED and r.ended_at is None
        ),
        None,
    )
    offers: dict[str, DomainError | None] = {}
    if clock is not None and running:
        if _refusal(services.clock_request_check, actor=user, case=case) is None:
            offers["extension"] = _refusal(services.extension_request_check, case=case, clock=clock, at=now)
            if not clock.is_suspended:
                offers["suspension"] = _refusal(services.suspension_request_check, case=case, clock=clock)
        if clock.is_suspended and _refusal(services.clock_resume_check, actor=user, case=case) is None:
            offers["resume"] = None
    pending = any(r.status == RequestStatus.PENDING for r in requests)
    may_decide = pending and _refusal(services.clock_decide_check, actor=user, case=case) is None
    return {"status": status, "requests": requests, "offers": offers, "may_decide": may_decide}


def clock_request_list_for_user(*, user, status: str | None = None) -> QuerySet[ClockRequest]:
    """Requests on the cases `user` may see (a supervisor's queue of decisions: status="pending")."""
    from apps.cases.selectors import case_list_for_user

    qs = ClockRequest.objects.filter(case_id__in=case_list_for_user(user=user).values("pk")).select_related(
        "case", "requested_by", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")


def clock_request_get_for_user(*, user, pk: int) -> ClockRequest:
    """The request if `user` may see its case; Http404 otherwise (never a hint that it exists)."""
    req = clock_request_list_for_user(user=user).filter(pk=pk).first()
    if req is None:
        raise Http404("No such request.")
    return req


def clock_request_pending_count(*, user) -> int:
    """How many requests on the cases `user` may see wait for a decision."""
    return clock_request_list_for_user(user=user, status=RequestStatus.PENDING).count()
