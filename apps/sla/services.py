"""SLA clock, suspensions and extensions. The sweep lives in `sweep.py` (re-exported here).

The clock of a case is written only here and by the sweep: the workflow service calls
`clock_on_transition` inside its transaction after every change of state.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.accounts.models import User
from gridops.db import RowBatch
from gridops.errors import Conflict, DomainError, NotPermitted
from gridops.localcache import ProcessCache

from .calendars import timekeeper_for, timekeeper_for_clock
from .choices import (
    MAX_ESCALATION_LEVEL,
    RESTART_ACTIONS,
    STAGE_FOR_STATE,
    LimitUnit,
    RequestKind,
    RequestStatus,
    Stage,
)
from .constants import MAX_LIMIT_DAYS, SAME_DAY_CUTOFF_DEFAULT, SAME_DAY_CUTOFF_SETTING, SECONDS_TOLERANCE
from .models import UNIT_SECONDS, CaseClock, ClockRequest, SlaPolicy, StageRecord
from .worktime import ClockTime, PeriodError, WorkCalendar, parse_time_of_day

REQUESTER_ROLES = frozenset({Role.HANDLER, Role.OFFICER, Role.DISPATCHER})
APPROVER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


# ---------------------------------------------------------------- policies


def _policies_load() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.filter(is_active=True))


_policies = ProcessCache("sla-policies", _policies_load, models=(SlaPolicy,))


def policy_for(*, category, priority: str) -> SlaPolicy | None:
    """category+priority, then category, then the parent category (+priority, any), then a default.

    Reads the active policies from the process's cache (gridops.localcache); the instances are
    shared, so callers must not modify them."""
    cat_ids = [category.pk] if category is not None else []
    if category is not None and category.parent_id:
        cat_ids.append(category.parent_id)
    order = {cid: i for i, cid in enumerate(cat_ids)}
    order[None] = len(cat_ids)
    candidates = [p for p in _policies.get() if p.priority in (priority, "") and p.category_id in order]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (order[p.category_id], 0 if p.priority == priority else 1, p.pk))


def same_day_cutoff() -> int:
    """The cut-off of "same day" limits (当日办结), in seconds since local midnight.

    From `settings.GRIDOPS_SLA_SAME_DAY_CUTOFF` ("HH:MM", Asia/Shanghai time; default "16:00"):
    a stage that starts later than this, after the working hours or on a day off is due at the end
    of the next working day (of the next day, around the clock), as the hotline rules put it (16时
    以后受理的，次日办结); one that starts at or before it is due at the end of its own working day,
    so a case registered at 17:59 no longer gets one minute. "24:00": no cut-off but the working hours.
    """
    value = getattr(settings, SAME_DAY_CUTOFF_SETTING, SAME_DAY_CUTOFF_DEFAULT)
    try:
        return parse_time_of_day(value)
    except PeriodError:
        raise ImproperlyConfigured(
            f'{SAME_DAY_CUTOFF_SETTING} must be a time of day "HH:MM" from "00:00" to "24:00", not {value!r}'
        ) from None


def _seconds(keeper: WorkCalendar | ClockTime, amount: int, unit: str, start: datetime) -> float:
    if unit == LimitUnit.MINUTES:
        return amount * 60.0
    if unit == LimitUnit.HOURS:
        return amount * 3600.0
    if unit == LimitUnit.DAYS:
        return amount * float(keeper.day_seconds)
    if unit == LimitUnit.SAME_DAY:
        return keeper.elapsed(start, keeper.end_of_day(start, cutoff=same_day_cutoff()))
    raise DomainError(_("Unknown time unit."), field="unit")


# ---------------------------------------------------------------- the clock


def _schedule(clock: CaseClock, keeper: WorkCalendar | ClockTime, policy: SlaPolicy | None) -> None:
    """Compute deadline, warning and escalation instants of a running clock, and next_check_at.

    Without a policy (none applies, or the stage's was deleted while it ran) the stage keeps the
    deadline of its budget, if it has one, but nothing to warn or escalate."""
    if not clock.stage or clock.running_since is None:
        clock.next_check_at = None
        if not clock.stage:
            clock.deadline = clock.warn_at = None
            clock.escalate1_at = clock.escalate2_at = clock.escalate3_at = None
        return
    total = clock.limit_seconds + clock.extension_seconds
    start = clock.running_since

    def point(budget: float, previous: datetime | None) -> datetime:
        # Each point falls when the stage has used `budget` seconds of its basis. On resuming, a
        # point whose budget ran out before the pause stays where it was (a case suspended when
        # already overdue keeps its deadline, and its ladder goes on from there).
        remaining = budget - clock.consumed_seconds
        if remaining <= 0 and clock.consumed_seconds > 0 and previous is not None:
            return previous
        return keeper.add(start, max(remaining, 0.0))

    if policy is None:
        clock.deadline = point(total, clock.deadline) if total > 0 else None
        clock.warn_at = clock.escalate1_at = clock.escalate2_at = clock.escalate3_at = None
        clock.next_check_at = None
        return
    delays = policy.escalation_delays()
    clock.deadline = point(total, clock.deadline)
    clock.warn_at = point(total * policy.warning_percent / 100.0, clock.warn_at)
    clock.escalate1_at = point(total + delays[0] * 60, clock.escalate1_at)
    clock.escalate2_at = point(total + delays[1] * 60, clock.escalate2_at)
    clock.escalate3_at = point(total + delays[2] * 60, clock.escalate3_at)
    clock.next_check_at = clock_next_check(clock)


def clock_next_check(clock: CaseClock) -> datetime | None:
    """The earliest warning/escalation instant not yet fired (None: nothing left).

    An escalation fires only once its instant has passed (see `CaseClock.past_deadline`): a sweep
    at exactly that instant looks at the clock and leaves it for the next one."""
    if not clock.stage or clock.is_suspended or clock.running_since is None:
        return None
    points = []
    if not clock.warned and clock.warn_at:
        points.append(clock.warn_at)
    for level in range(clock.escalation_level + 1, MAX_ESCALATION_LEVEL + 1):
        at = getattr(clock, f"escalate{level}_at")
        if at:
            points.append(at)
    return min(points) if points else None


def clock_on_transition(
    *, case, action: str, from_state: str, to_state: str, at: datetime, batch: RowBatch | None = None
) -> None:
    """Called by the workflow service inside its transaction after every change of state:
    start, restart or stop the clock of the case's current stage. `batch`: for a report, the
    rows being written with the new (unsaved) case; the new clock joins them."""
    stage = STAGE_FOR_STATE.get(to_state)
    is_new = not from_state  # the report: a new case has no clock and no requests yet
    clock = None if is_new else CaseClock.objects.select_for_update().filter(case_id=case.pk).first()
    if clock is None:
        clock = CaseClock(case=case)
    if stage is None:
        _end_open_suspensions(case_id=case.pk, at=at)
        _record_finished_stage(clock, action=action, at=at)
        clock.stage = ""
        clock.running_since = None
        clock.is_suspended = False
        clock.stopped_at = at
        clock.next_check_at = None
        clock.save()
        return
    if clock.stage == stage and action not in RESTART_ACTIONS and clock.stage_round:
        return  # same stage goes on (e.g. dispatched -> in_progress)
    if not is_new:
        _end_open_suspensions(case_id=case.pk, at=at)
        _record_finished_stage(clock, action=action, at=at)
    policy = policy_for(category=case.category, priority=case.priority)
    keeper = timekeeper_for(policy)
    clock.policy = policy
    clock.basis = keeper.basis
    clock.stage = stage
    clock.stage_round += 1
    clock.stage_started_at = at
    clock.department_id = case.department_id if stage == Stage.HANDLE else None
    clock.running_since = at
    clock.is_suspended = False
    clock.stopped_at = None
    clock.consumed_seconds = 0
    clock.extension_seconds = 0
    clock.warned = False
    clock.escalation_level = 0
    clock.limit_seconds = _seconds(keeper, *policy.limit(stage), at) if policy else 0
    _schedule(clock, keeper, policy)
    if is_new and batch is not None:
        batch.add(clock)
    else:
        clock.save(force_insert=is_new)


def _record_finished_stage(clock: CaseClock, *, action: str, at: datetime) -> None:
    """Keep the outcome of the stage that ends at `at` (before the clock is reset for the next)."""
    if not clock.stage or clock.stage_started_at is None or clock.pk is None:
        return
    used = clock.consumed_seconds
    if clock.running_since is not None and at > clock.running_since:
        used += timekeeper_for_clock(clock).elapsed(clock.running_since, at)
    budget = clock.limit_seconds + clock.extension_seconds
    if budget <= 0 and clock.deadline is None:
        return  # a stage without a time limit (no policy): nothing to judge
    late = _stage_late(clock, at)
    StageRecord.objects.create(
        case_id=clock.case_id,
        stage=clock.stage,
        stage_round=clock.stage_round,
        policy_id=clock.policy_id,
        department_id=clock.department_id,
        basis=clock.basis,
        started_at=clock.stage_started_at,
        ended_at=at,
        ended_by=action,
        budget_seconds=budget,
        used_seconds=used,
        deadline=clock.deadline,
        escalation_level=clock.escalation_level,
        on_time=not late,
    )


def _stage_late(clock: CaseClock, at: datetime) -> bool:
    """Had the clock's stage run past its deadline at `at`? The rule of `CaseClock.past_deadline`,
    which the sweep and the status follow too: ending exactly at the deadline is on time.

    A running clock compares instants: used seconds cannot tell a stage that ended at an 18:00
    deadline from one that ended at 20:00 (no working time passes after hours), and float sums of
    seconds may exceed the budget by a hair at exactly the deadline. A paused clock stood still
    at its pause: late if it had used more than its budget by then; if it had used exactly its
    budget, the pause fell at the deadline (on time) or in the hours off after it (late).
    """
    running = not clock.is_suspended and clock.running_since is not None
    if running and clock.deadline is not None:
        return clock.past_deadline(at)
    budget = clock.limit_seconds + clock.extension_seconds
    used = clock.consumed_seconds
    if running:
        used += timekeeper_for_clock(clock).elapsed(clock.running_since, at)
    if clock.deadline is None or abs(used - budget) > SECONDS_TOLERANCE:
        return used > budget + SECONDS_TOLERANCE
    paused_at = (
        ClockRequest.objects.filter(
            case_id=clock.case_id,
            kind=RequestKind.SUSPENSION,
            status=RequestStatus.APPROVED,
            stage_round=clock.stage_round,
            decided_at__isnull=False,
        )
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    return paused_at is not None and clock.past_deadline(paused_at)


def _end_open_suspensions(*, case_id: int, at: datetime) -> None:
    ClockRequest.objects.filter(case_id=case_id, status=RequestStatus.PENDING).update(
        status=RequestStatus.ENDED, ended_at=at
    )
    ClockRequest.objects.filter(
        case_id=case_id, kind=RequestKind.SUSPENSION, status=RequestStatus.APPROVED, ended_at__isnull=True
    ).update(ended_at=at)


def _clock_pause(clock: CaseClock, at: datetime) -> None:
    keeper = timekeeper_for_clock(clock)
    if clock.running_since is not None:
        clock.consumed_seconds += keeper.elapsed(clock.running_since, at)
    clock.running_since = None
    clock.is_suspended = True
    clock.next_check_at = None


def _clock_resume(clock: CaseClock, at: datetime) -> None:
    clock.running_since = at
    clock.is_suspended = False
    _schedule(clock, timekeeper_for_clock(clock), clock.policy)


# ---------------------------------------------------------------- requests


def _locked_clock(case) -> CaseClock:
    clock = CaseClock.objects.select_for_update(of=("self",)).select_related("policy").filter(case_id=case.pk).first()
    return _check_running(clock)


def _check_visible(actor: User, case) -> None:
    from apps.cases.selectors import case_list_for_user

    if not case_list_for_user(user=actor).filter(pk=case.pk).exists():
        raise NotPermitted(_("You cannot act on this case."))


def _has_role(user, roles: frozenset[str]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or getattr(user, "role", None) in roles


def clock_may_request(*, user) -> bool:
    """May `user`'s role ask to suspend or extend the clock of the cases they see?"""
    return _has_role(user, REQUESTER_ROLES)


def clock_may_resume(*, user) -> bool:
    """May `user`'s role restart a suspended clock of the cases they see?"""
    return _has_role(user, REQUESTER_ROLES | APPROVER_ROLES)


def clock_may_decide(*, user) -> bool:
    """May `user`'s role approve or refuse the requests on the cases they see?"""
    return _has_role(user, APPROVER_ROLES)


# The checks below are the services' own; views call them to decide which forms to offer and to
# answer 403 before they read a request's inputs.


def clock_request_check(*, actor: User, case) -> None:
    """NotPermitted unless `actor` may ask to suspend or extend the clock of `case`."""
    if not clock_may_request(user=actor):
        raise NotPermitted(
            _("Only the staff working on a case (its handler, grid officer or dispatcher) can ask for this.")
        )
    _check_visible(actor, case)


def clock_resume_check(*, actor: User, case) -> None:
    """NotPermitted unless `actor` may resume the suspended clock of `case`."""
    if not clock_may_resume(user=actor):
        raise NotPermitted(_("You cannot resume this case's clock."))
    _check_visible(actor, case)


def clock_decide_check(*, actor: User, case) -> None:
    """NotPermitted unless `actor` may approve or refuse the requests on `case`."""
    if not clock_may_decide(user=actor):
        raise NotPermitted(_("Only a supervisor of the area can decide this."))
    _check_visible(actor, case)


def _check_running(clock: CaseClock | None) -> CaseClock:
    if clock is None or not clock.stage:
        raise Conflict(_("The case has no running time limit."))
    return clock


def suspension_request_check(*, case, clock: CaseClock | None) -> None:
    """Conflict if the clock of `case` cannot be asked to stop now, whatever the reason given."""
    clock = _check_running(clock)
    if clock.is_suspended:
        raise Conflict(_("The clock is already suspended."))
    if _pending_request(case, RequestKind.SUSPENSION):
        raise Conflict(_("A suspension request is already waiting for a decision."))


def extension_request_check(*, case, clock: CaseClock | None, at: datetime) -> None:
    """Conflict or DomainError if more time cannot be asked for on `case` at `at`, whatever the
    amount: no deadline, the deadline has passed, the policy's extensions are used up, or one
    request is already waiting."""
    clock = _check_running(clock)
    if clock.deadline is None:
        raise Conflict(_("The case has no deadline to extend."))
    # Exactly at the deadline is still in time; while suspended, the time at the pause counts.
    if _stage_late(clock, at):
        raise DomainError(_("The deadline has passed: an extension must be asked for before it."), field="deadline")
    cap = clock.policy.max_extensions if clock.policy else 0
    if _approved_extensions(case) >= cap:
        raise DomainError(_("This case has had all the extensions its policy allows."), field="amount")
    if _pending_request(case, RequestKind.EXTENSION):
        raise Conflict(_("An extension request is already waiting for a decision."))


def _record(case, actor, action: str, note: str, data: dict, at: datetime) -> None:
    from apps.cases.services import case_event_record
    from apps.notify.services import notify_case_event

    event = case_event_record(
        case=case, actor=actor, action=action, note=note, data=data, at=at, from_state=case.state, to_state=case.state
    )
    notify_case_event(event=event)


def _pending_request(case, kind: str) -> ClockRequest | None:
    return ClockRequest.objects.filter(case_id=case.pk, kind=kind, status=RequestStatus.PENDING).first()


@transaction.atomic
def suspension_request(*, actor: User, case, reason: str, at: datetime | None = None) -> ClockRequest:
    at = at or timezone.now()
    clock_request_check(actor=actor, case=case)
    if not reason.strip():
        raise DomainError(_("Give a reason for the suspension."), field="reason")
    clock = _locked_clock(case)
    suspension_request_check(case=case, clock=clock)
    req = ClockRequest.objects.create(
        case_id=case.pk,
        kind=RequestKind.SUSPENSION,
        stage=clock.stage,
        stage_round=clock.stage_round,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=at,
    )
    _record(case, actor, "suspension_request", reason.strip(), {"request": req.pk, "stage": clock.stage}, at)
    return req


def _locked_pending(request_id: int, kind: str) -> ClockRequest:
    """The pending request, locked after its case's clock: a workflow transition locks the clock
    and then updates the requests, and the same order here keeps the two from deadlocking."""
    case_id = ClockRequest.objects.filter(pk=request_id, kind=kind).values_list("case_id", flat=True).first()
    if case_id is not None:
        list(CaseClock.objects.select_for_update().filter(case_id=case_id).values_list("pk", flat=True))
    req = (
        ClockRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk=request_id, kind=kind)
        .first()
    )
    if req is None:
        raise DomainError(_("No such request."), field="request")
    if req.status != RequestStatus.PENDING:
        raise Conflict(_("This request has already been decided."))
    return req


@transaction.atomic
def suspension_approve(*, actor: User, request_id: int, note: str = "", at: datetime | None = None) -> ClockRequest:
    """Stop the clock from `at`: suspended time does not count."""
    at = at or timezone.now()
    req = _locked_pending(request_id, RequestKind.SUSPENSION)
    clock_decide_check(actor=actor, case=req.case)
    clock = _locked_clock(req.case)
    if clock.stage_round != req.stage_round:
        raise Conflict(_("The case has moved to another stage since the request."))
    _clock_pause(clock, at)
    clock.save()
    req.status, req.decided_by, req.decided_at, req.decision_note = RequestStatus.APPROVED, actor, at, note
    req.save()
    _record(req.case, actor, "suspension_approve", note, {"request": req.pk, "stage": clock.stage}, at)
    return req


@transaction.atomic
def suspension_refuse(*, actor: User, request_id: int, note: str = "", at: datetime | None = None) -> ClockRequest:
    at = at or timezone.now()
    req = _locked_pending(request_id, RequestKind.SUSPENSION)
    clock_decide_check(actor=actor, case=req.case)
    req.status, req.decided_by, req.decided_at, req.decision_note = RequestStatus.REFUSED, actor, at, note
    req.save()
    _record(req.case, actor, "suspension_refuse", note, {"request": req.pk}, at)
    return req


@transaction.atomic
def suspension_resume(*, actor: User, case, note: str = "", at: datetime | None = None) -> CaseClock:
    """Restart a suspended clock: the deadline moves by the time it stood still."""
    at = at or timezone.now()
    clock_resume_check(actor=actor, case=case)
    clock = _locked_clock(case)
    if not clock.is_suspended:
        raise Conflict(_("The clock is not suspended."))
    _clock_resume(clock, at)
    clock.save()
    ClockRequest.objects.filter(
        case_id=case.pk, kind=RequestKind.SUSPENSION, status=RequestStatus.APPROVED, ended_at__isnull=True
    ).update(ended_at=at)
    _record(
        case,
        actor,
        "suspension_resume",
        note,
        {"stage": clock.stage, "deadline": clock.deadline.isoformat() if clock.deadline else None},
        at,
    )
    return clock


def _approved_extensions(case) -> int:
    return ClockRequest.objects.filter(
        case_id=case.pk, kind=RequestKind.EXTENSION, status=RequestStatus.APPROVED
    ).count()


@transaction.atomic
def extension_request(
    *, actor: User, case, amount: int, unit: str, reason: str, at: datetime | None = None
) -> ClockRequest:
    """Ask for more time before the deadline has passed (capped by the policy)."""
    at = at or timezone.now()
    clock_request_check(actor=actor, case=case)
    if not reason.strip():
        raise DomainError(_("Give a reason for the extension."), field="reason")
    if amount <= 0:
        raise DomainError(_("Ask for a positive amount of time."), field="amount")
    if unit not in (LimitUnit.MINUTES, LimitUnit.HOURS, LimitUnit.DAYS):
        raise DomainError(_("Ask for minutes, hours or days."), field="unit")
    clock = _locked_clock(case)
    extension_request_check(case=case, clock=clock, at=at)
    keeper = timekeeper_for_clock(clock)
    unit_seconds = UNIT_SECONDS.get(unit, keeper.day_seconds)  # days: days of the stage's basis
    top = MAX_LIMIT_DAYS * keeper.day_seconds // unit_seconds
    if amount > top:
        raise DomainError(
            _("Ask for at most %(max)s %(unit)s: no extension may be longer than %(days)s days.")
            % {"max": top, "unit": LimitUnit(unit).label, "days": MAX_LIMIT_DAYS},
            field="amount",
        )
    req = ClockRequest.objects.create(
        case_id=case.pk,
        kind=RequestKind.EXTENSION,
        stage=clock.stage,
        stage_round=clock.stage_round,
        reason=reason.strip(),
        amount=amount,
        unit=unit,
        requested_by=actor,
        requested_at=at,
    )
    _record(
        case,
        actor,
        "extension_request",
        reason.strip(),
        {"request": req.pk, "amount": amount, "unit": unit, "stage": clock.stage},
        at,
    )
    return req


@transaction.atomic
def extension_approve(*, actor: User, request_id: int, note: str = "", at: datetime | None = None) -> ClockRequest:
    """Move the deadline (and the warning and escalation points) by the requested time."""
    at = at or timezone.now()
    req = _locked_pending(request_id, RequestKind.EXTENSION)
    clock_decide_check(actor=actor, case=req.case)
    clock = _locked_clock(req.case)
    if clock.stage_round != req.stage_round:
        raise Conflict(_("The case has moved to another stage since the request."))
    cap = clock.policy.max_extensions if clock.policy else 0
    if _approved_extensions(req.case) >= cap:
        raise DomainError(_("This case has had all the extensions its policy allows."), field="amount")
    keeper = timekeeper_for_clock(clock)
    clock.extension_seconds += _seconds(keeper, req.amount, req.unit, at)
    if not clock.is_suspended:
        _schedule(clock, keeper, clock.policy)
    clock.save()
    req.status, req.decided_by, req.decided_at, req.decision_note = RequestStatus.APPROVED, actor, at, note
    req.save()
    _record(
        req.case,
        actor,
        "extension_approve",
        note,
        {"request": req.pk, "deadline": clock.deadline.isoformat() if clock.deadline else None},
        at,
    )
    return req


@transaction.atomic
def extension_refuse(*, actor: User, request_id: int, note: str = "", at: datetime | None = None) -> ClockRequest:
    at = at or timezone.now()
    req = _locked_pending(request_id, RequestKind.EXTENSION)
    clock_decide_check(actor=actor, case=req.case)
    req.status, req.decided_by, req.decided_at, req.decision_note = RequestStatus.REFUSED, actor, at, note
    req.save()
    _record(req.case, actor, "extension_refuse", note, {"request": req.pk}, at)
    return req


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500):
    """Fire every warning and escalation that is due (see `apps.sla.sweep`)."""
    from .sweep import sla_sweep as run

    return run(now=now, batch_size=batch_size)
