"""The clock follows the workflow: stages start, restart and stop; suspension and extension move it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.cases.models import CaseEvent
from apps.cases.services import case_transition
from apps.sla import services as sla
from apps.sla.models import CaseClock, ClockRequest, SlaPolicy
from gridops.errors import Conflict, DomainError, NotPermitted

from .conftest import local

H = 3600


def clock_of(case) -> CaseClock:
    return CaseClock.objects.get(case=case)


def test_intake_starts_the_register_clock(make_case, policy):
    case = make_case(local(2026, 11, 23, 11, 30))
    clock = clock_of(case)
    assert clock.stage == "register" and clock.stage_round == 1
    # 1 working hour from 11:30: 30 min before lunch, 30 min after -> 14:30
    assert clock.deadline == local(2026, 11, 23, 14, 30)
    assert clock.warn_at == local(2026, 11, 23, 14, 18)
    assert clock.next_check_at == clock.warn_at
    assert case.sla_clock.policy == policy


def test_dispatch_starts_the_handle_stage_and_accept_keeps_it(dispatched_case, cast):
    case = dispatched_case()
    clock = clock_of(case)
    assert clock.stage == "handle" and clock.deadline == local(2026, 11, 23, 15, 0)
    round_before = clock.stage_round
    case_transition(case=case, actor=cast.handler_x, action="accept", at=local(2026, 11, 23, 10, 0))
    clock = clock_of(case)
    assert clock.stage == "handle" and clock.stage_round == round_before
    assert clock.deadline == local(2026, 11, 23, 15, 0)


def test_return_restarts_the_dispatch_stage(dispatched_case, cast):
    case = dispatched_case()
    case_transition(case=case, actor=cast.handler_x, action="return", note="不是我们的", at=local(2026, 11, 23, 10, 0))
    clock = clock_of(case)
    assert clock.stage == "dispatch" and clock.stage_started_at == local(2026, 11, 23, 10, 0)
    assert clock.deadline == local(2026, 11, 23, 11, 0)


def test_rejected_case_stops_the_clock(make_case, cast, policy):
    case = make_case(local(2026, 11, 23, 9, 0))
    case_transition(case=case, actor=cast.dispatcher, action="reject", note="无效", at=local(2026, 11, 23, 9, 30))
    clock = clock_of(case)
    assert clock.stage == "" and clock.next_check_at is None and clock.status == "stopped"


def test_policy_lookup_order(category, calendar, city):
    from apps.cases.models import Category

    child = Category.objects.create(code="T01a", name="子类", kind="event", parent=category)
    default = SlaPolicy.objects.create(name="default")
    assert sla.policy_for(category=child, priority="urgent") == default
    parent_any = SlaPolicy.objects.create(name="parent", category=category)
    assert sla.policy_for(category=child, priority="urgent") == parent_any
    parent_urgent = SlaPolicy.objects.create(name="parent urgent", category=category, priority="urgent")
    assert sla.policy_for(category=child, priority="urgent") == parent_urgent
    own = SlaPolicy.objects.create(name="own", category=child)
    assert sla.policy_for(category=child, priority="urgent") == own
    own_urgent = SlaPolicy.objects.create(name="own urgent", category=child, priority="urgent")
    assert sla.policy_for(category=child, priority="urgent") == own_urgent
    assert sla.policy_for(category=child, priority="normal") == own


def test_clock_time_policy_counts_nights(make_case, category, calendar):
    SlaPolicy.objects.create(
        name="emergency", category=category, basis="clock", register_amount=2, register_unit="hours"
    )
    case = make_case(local(2026, 10, 1, 23, 0))
    assert clock_of(case).deadline == local(2026, 10, 2, 1, 0)


# ---------------------------------------------------------------- suspension


def test_suspended_time_does_not_count(dispatched_case, cast):
    case = dispatched_case()  # handle deadline Monday 15:00 (4 working hours from 09:00)
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="等待产权单位", at=local(2026, 11, 23, 10, 0))
    sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 10, 0))
    clock = clock_of(case)
    assert clock.is_suspended and clock.next_check_at is None and clock.status == "suspended"
    # 1 working hour used; resumed next day 09:00 -> 3 hours left -> 12:00
    sla.suspension_resume(actor=cast.handler_x, case=case, at=local(2026, 11, 24, 9, 0))
    clock = clock_of(case)
    assert not clock.is_suspended
    assert clock.deadline == local(2026, 11, 24, 12, 0)
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert [a for a in actions if a.startswith("suspension")] == [
        "suspension_request",
        "suspension_approve",
        "suspension_resume",
    ]


def test_suspension_is_decided_by_a_supervisor_of_the_area(dispatched_case, cast):
    case = dispatched_case()
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="r", at=local(2026, 11, 23, 10, 0))
    with pytest.raises(NotPermitted):
        sla.suspension_approve(actor=cast.handler_x, request_id=req.pk)
    with pytest.raises(NotPermitted):
        sla.suspension_approve(actor=cast.supervisor_e, request_id=req.pk)  # other district
    sla.suspension_refuse(actor=cast.supervisor_d, request_id=req.pk, note="no", at=local(2026, 11, 23, 10, 5))
    assert ClockRequest.objects.get(pk=req.pk).status == "refused"
    assert not clock_of(case).is_suspended
    with pytest.raises(Conflict):
        sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk)


def test_suspension_needs_a_reason_and_a_handler(dispatched_case, cast):
    case = dispatched_case()
    with pytest.raises(DomainError) as err:
        sla.suspension_request(actor=cast.handler_x, case=case, reason="  ")
    assert err.value.field == "reason"
    with pytest.raises(NotPermitted):
        sla.suspension_request(actor=cast.resident, case=case, reason="x")
    with pytest.raises(NotPermitted):
        sla.suspension_request(actor=cast.handler_y, case=case, reason="x")  # cannot see it


# ---------------------------------------------------------------- extension


def test_extension_moves_the_deadline(dispatched_case, cast):
    case = dispatched_case()  # deadline Monday 15:00
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车", at=local(2026, 11, 23, 11, 0)
    )
    sla.extension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 11, 30))
    clock = clock_of(case)
    assert clock.deadline == local(2026, 11, 23, 17, 0)
    assert clock.warn_at == local(2026, 11, 23, 15, 48)  # 80% of 6 working hours
    assert CaseEvent.objects.filter(case=case, action="extension_approve").exists()


def test_extension_is_refused_after_the_deadline(dispatched_case, cast):
    case = dispatched_case()  # deadline Monday 15:00
    with pytest.raises(DomainError) as err:
        sla.extension_request(
            actor=cast.handler_x, case=case, amount=1, unit="hours", reason="晚了", at=local(2026, 11, 23, 15, 0, 1)
        )
    assert err.value.field == "deadline"


def test_an_extension_asked_for_exactly_at_the_deadline_is_in_time(dispatched_case, cast):
    case = dispatched_case()  # deadline Monday 15:00
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="hours", reason="刚好", at=local(2026, 11, 23, 15, 0)
    )
    assert req.status == "pending"


def test_an_extension_longer_than_a_year_is_refused(dispatched_case, cast):
    case = dispatched_case()
    with pytest.raises(DomainError) as err:
        sla.extension_request(
            actor=cast.handler_x, case=case, amount=2556, unit="hours", reason="x", at=local(2026, 11, 23, 10, 0)
        )
    assert err.value.field == "amount"
    assert str(err.value) == "Ask for at most 2555 hours: no extension may be longer than 365 days."
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=365, unit="days", reason="x", at=local(2026, 11, 23, 10, 0)
    )
    assert req.status == "pending"


def test_extensions_are_capped_by_the_policy(dispatched_case, cast):
    case = dispatched_case()  # policy allows one extension
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="days", reason="a", at=local(2026, 11, 23, 10, 0)
    )
    sla.extension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 10, 0))
    assert clock_of(case).deadline == local(2026, 11, 24, 15, 0)
    with pytest.raises(DomainError) as err:
        sla.extension_request(
            actor=cast.handler_x, case=case, amount=1, unit="hours", reason="b", at=local(2026, 11, 23, 11, 0)
        )
    assert err.value.field == "amount"


def test_refused_extension_leaves_the_deadline(dispatched_case, cast):
    case = dispatched_case()
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="days", reason="a", at=local(2026, 11, 23, 10, 0)
    )
    sla.extension_refuse(actor=cast.supervisor_d, request_id=req.pk, note="不行", at=local(2026, 11, 23, 10, 5))
    assert clock_of(case).deadline == local(2026, 11, 23, 15, 0)
    assert ClockRequest.objects.get(pk=req.pk).decided_by == cast.supervisor_d


def test_a_new_stage_ends_pending_requests(dispatched_case, cast):
    case = dispatched_case()
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="hours", reason="a", at=local(2026, 11, 23, 10, 0)
    )
    case_transition(case=case, actor=cast.handler_x, action="return", note="错派", at=local(2026, 11, 23, 10, 30))
    assert ClockRequest.objects.get(pk=req.pk).status == "ended"
    assert clock_of(case).deadline == local(2026, 11, 23, 11, 30)
    assert timedelta(0) < clock_of(case).deadline - local(2026, 11, 23, 10, 30)


def test_failed_verification_restarts_the_handle_stage(dispatched_case, cast, settings, tmp_path):
    from tests.cases.conftest import jpeg

    settings.MEDIA_ROOT = tmp_path
    case = dispatched_case()
    case_transition(case=case, actor=cast.handler_x, action="accept", at=local(2026, 11, 23, 9, 10))
    case_transition(
        case=case,
        actor=cast.handler_x,
        action="resolve",
        note="已清理",
        photos=[jpeg("after.jpg")],
        at=local(2026, 11, 23, 10, 0),
    )
    clock = clock_of(case)
    assert clock.stage == "verify" and clock.deadline == local(2026, 11, 24, 10, 0)  # 1 working day
    handle_round = clock.stage_round - 1
    case_transition(
        case=case, actor=cast.officer_a, action="verify_fail", note="没扫干净", at=local(2026, 11, 23, 11, 0)
    )
    clock = clock_of(case)
    assert clock.stage == "handle" and clock.stage_round > handle_round + 1
    assert clock.stage_started_at == local(2026, 11, 23, 11, 0)
    assert clock.deadline == local(2026, 11, 23, 17, 0)  # 4 fresh working hours: 11-12, 14-17


def _suspend(case, cast, at):
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="等待材料", at=at)
    sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=at)


def test_a_case_suspended_when_overdue_keeps_its_deadline_and_its_ladder(dispatched_case, cast):
    """Handle stage due Mon 15:00; suspended at 16:30 (1.5 working hours late), resumed Tue 09:00:
    still due Mon 15:00, and level 2 (two working hours after the deadline) falls at Tue 09:30."""
    from apps.sla.sweep import sla_sweep

    case = dispatched_case()
    sla_sweep(now=local(2026, 11, 23, 15, 1))
    _suspend(case, cast, local(2026, 11, 23, 16, 30))
    sla.suspension_resume(actor=cast.handler_x, case=case, at=local(2026, 11, 24, 9, 0))
    clock = clock_of(case)
    assert clock.deadline == local(2026, 11, 23, 15, 0)
    assert clock.escalation_level == 1
    assert clock.escalate2_at == local(2026, 11, 24, 9, 30)
    assert clock.escalate3_at == local(2026, 11, 24, 11, 30)
    assert clock.next_check_at == local(2026, 11, 24, 9, 30)


def test_no_extension_after_the_deadline_even_while_suspended(dispatched_case, cast):
    case = dispatched_case()
    _suspend(case, cast, local(2026, 11, 23, 16, 30))  # the 15:00 deadline has passed
    with pytest.raises(DomainError) as err:
        sla.extension_request(
            actor=cast.handler_x, case=case, amount=1, unit="days", reason="再给一天", at=local(2026, 11, 23, 16, 40)
        )
    assert err.value.field == "deadline"


def test_an_extension_asked_for_while_suspended_in_time_is_accepted(dispatched_case, cast):
    case = dispatched_case()
    _suspend(case, cast, local(2026, 11, 23, 10, 0))  # one of four working hours used
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="hours", reason="需要协调", at=local(2026, 11, 23, 16, 0)
    )
    assert req.status == "pending"


def test_pause_and_resume_keep_the_basis_the_stage_started_with(dispatched_case, cast, policy):
    """The policy switched to clock time mid-stage: the running stage still counts working time."""
    case = dispatched_case()
    policy.basis = "clock"
    policy.save()
    _suspend(case, cast, local(2026, 11, 23, 20, 0))  # after hours: 7 working hours used, not 11 clock hours
    clock = clock_of(case)
    assert clock.consumed_seconds == 7 * H  # 09:00-12:00 and 14:00-18:00 in working time
    assert clock.basis == "working"


def test_a_holiday_saved_anywhere_reaches_the_calendars_at_once(calendar):
    from datetime import date

    from apps.sla.calendars import calendar_get
    from apps.sla.models import CalendarDay

    assert calendar_get().is_workday(date(2026, 11, 23))
    day = CalendarDay.objects.create(calendar=calendar, date=date(2026, 11, 23), is_workday=False)
    assert not calendar_get().is_workday(date(2026, 11, 23))
    day.delete()
    assert calendar_get().is_workday(date(2026, 11, 23))


def test_each_finished_stage_is_kept_with_its_outcome(dispatched_case, cast):
    """Handle stage from Mon 09:00, 4 working hours (due 15:00), suspended 10:00-Tue 09:00 (due Tue
    12:00 then), resolved Tue 14:30: 1 h before the pause, 3 h + 0.5 h after (lunch does not count),
    4.5 h in all, so late; verify then starts."""
    from apps.sla.models import StageRecord

    from ..cases.conftest import jpeg

    case = dispatched_case()
    case_transition(case=case, actor=cast.handler_x, action="accept", at=local(2026, 11, 23, 9, 30))
    _suspend(case, cast, local(2026, 11, 23, 10, 0))
    sla.suspension_resume(actor=cast.handler_x, case=case, at=local(2026, 11, 24, 9, 0))
    case_transition(
        case=case,
        actor=cast.handler_x,
        action="resolve",
        note="已清理",
        photos=[jpeg("a.jpg")],
        at=local(2026, 11, 24, 14, 30),
    )
    records = {r.stage: r for r in StageRecord.objects.filter(case=case)}
    assert set(records) == {"register", "dispatch", "handle"}
    handle = records["handle"]
    assert (handle.started_at, handle.ended_at, handle.ended_by) == (
        local(2026, 11, 23, 9, 0),
        local(2026, 11, 24, 14, 30),
        "resolve",
    )
    assert handle.used_seconds == 4.5 * H and handle.budget_seconds == 4 * H and handle.on_time is False
    assert handle.deadline == local(2026, 11, 24, 12, 0)
    assert records["register"].on_time and records["register"].used_seconds == 0
    assert clock_of(case).stage == "verify"


def test_a_stage_ended_by_leaving_the_loop_is_kept_too(make_case, cast, policy):
    from apps.sla.models import StageRecord

    case = make_case(local(2026, 11, 23, 9, 0))
    case_transition(case=case, actor=cast.dispatcher, action="reject", note="无效", at=local(2026, 11, 23, 9, 30))
    (record,) = StageRecord.objects.filter(case=case)
    assert (record.stage, record.ended_by, record.used_seconds, record.on_time) == ("register", "reject", 1800, True)


def test_a_handle_stage_is_kept_with_the_department_that_had_it(dispatched_case, cast, city):
    """Department X lets the case run late and returns it (退单 clears the case's department); Y gets
    it next. X's late stage stays X's: counted by the case's department now, it would be nobody's,
    and after the new dispatch Y's."""
    from apps.sla.models import StageRecord

    case = dispatched_case()  # to department X at Monday 09:00, due 15:00
    case_transition(case=case, actor=cast.handler_x, action="return", note="错派", at=local(2026, 11, 23, 16, 0))
    assert clock_of(case).department_id is None  # the dispatch stage is the command center's
    case_transition(
        case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_y, at=local(2026, 11, 23, 16, 30)
    )
    assert clock_of(case).department_id == city.dept_y.pk
    case_transition(case=case, actor=cast.handler_y, action="return", note="也不是", at=local(2026, 11, 23, 17, 0))
    records = StageRecord.objects.filter(case=case).order_by("stage_round")
    assert [(r.stage, r.department_id, r.on_time) for r in records] == [
        ("register", None, True),
        ("dispatch", None, True),
        ("handle", city.dept_x.pk, False),
        ("dispatch", None, True),
        ("handle", city.dept_y.pk, True),
    ]
