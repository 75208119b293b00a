"""One rule for "on time" everywhere: a stage that ends exactly at its deadline is on time; a second
(or a microsecond) later it is overdue. The sweep, the live status, the API, the finished-stage
records that SLA reports count, and extension requests all follow it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.cases.services import case_transition
from apps.sla import services as sla
from apps.sla.models import CaseClock, SlaAlert, SlaPolicy, StageRecord
from apps.sla.sweep import sla_sweep
from gridops.errors import DomainError

from .conftest import local

H = 3600
SECOND = timedelta(seconds=1)


def clock_of(case) -> CaseClock:
    return CaseClock.objects.get(case=case)


def handle_record(case) -> StageRecord:
    return StageRecord.objects.get(case=case, stage="handle")


def send_back(case, cast, at) -> None:
    """End the handle stage (退单: back to the command center)."""
    case_transition(case=case, actor=cast.handler_x, action="return", note="错派", at=at)


def suspend(case, cast, at) -> None:
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="等待材料", at=at)
    sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=at)


# Dispatched at this instant with 4 working hours, the handle stage is due at 15:00:00.023758, and
# the working seconds from start to deadline sum to a hair over 4 h in floating point.
ODD_START = local(2026, 11, 23, 9, 0, 0, 23758)


def test_a_stage_ended_exactly_at_its_deadline_is_on_time_everywhere(dispatched_case, cast):
    case = dispatched_case(ODD_START)
    deadline = clock_of(case).deadline
    assert deadline == local(2026, 11, 23, 15, 0, 0, 23758)
    result = sla_sweep(now=deadline)
    assert result.escalations == 0  # not overdue yet: nobody is told it is
    assert clock_of(case).status_at(deadline) == "warning"
    send_back(case, cast, deadline)
    record = handle_record(case)
    assert record.on_time is True and record.escalation_level == 0 and record.deadline == deadline
    assert not SlaAlert.objects.filter(case=case, kind="escalation").exists()


def test_a_second_after_the_deadline_is_overdue_everywhere(dispatched_case, cast):
    case = dispatched_case(ODD_START)
    late = clock_of(case).deadline + SECOND
    assert clock_of(case).status_at(late) == "overdue"
    assert sla_sweep(now=late).escalations == 1
    assert clock_of(case).status_at(late) == "escalated"
    send_back(case, cast, late)
    record = handle_record(case)
    assert record.on_time is False and record.escalation_level == 1


def test_a_microsecond_after_the_deadline_is_overdue(dispatched_case):
    case = dispatched_case()  # deadline Monday 15:00
    clock = clock_of(case)
    assert clock.status_at(local(2026, 11, 23, 15, 0)) == "on_time"
    assert clock.status_at(local(2026, 11, 23, 15, 0) + timedelta(microseconds=1)) == "overdue"


@pytest.mark.parametrize(
    "ended,on_time",
    [
        ((2026, 11, 23, 18, 0), True),
        ((2026, 11, 23, 18, 0, 1), False),
        ((2026, 11, 23, 18, 30), False),
        ((2026, 11, 24, 8, 59), False),
    ],
)
def test_a_stage_ended_after_hours_past_an_18_00_deadline_is_late(dispatched_case, cast, ended, on_time):
    """Dispatched at noon with 4 working hours: due 18:00. Sent back at 18:30 it used no more working
    time than its budget (none passes after hours), but it ended after its deadline, had been
    escalated as overdue and shows as overdue: the record says late too."""
    case = dispatched_case(local(2026, 11, 23, 12, 0))
    assert clock_of(case).deadline == local(2026, 11, 23, 18, 0)
    sla_sweep(now=local(*ended))
    send_back(case, cast, local(*ended))
    record = handle_record(case)
    assert record.used_seconds == pytest.approx(4 * H)
    assert record.on_time is on_time
    assert (record.escalation_level > 0) is (not on_time)


@pytest.mark.parametrize(
    "paused,on_time",
    [((2026, 11, 23, 18, 0), True), ((2026, 11, 23, 18, 30), False), ((2026, 11, 23, 17, 59, 59), True)],
)
def test_a_stage_ended_while_suspended_is_judged_at_its_pause(dispatched_case, cast, paused, on_time):
    """Due 18:00; suspended at 18:00 exactly (on time) or at 18:30, after the deadline though no
    working time passed (late); ended days later while still suspended."""
    case = dispatched_case(local(2026, 11, 23, 12, 0))
    suspend(case, cast, local(*paused))
    send_back(case, cast, local(2026, 11, 26, 10, 0))
    assert handle_record(case).on_time is on_time


def test_an_extension_asked_for_while_suspended_exactly_at_the_deadline_is_in_time(dispatched_case, cast):
    case = dispatched_case(local(2026, 11, 23, 12, 0))  # due 18:00
    suspend(case, cast, local(2026, 11, 23, 18, 0))
    req = sla.extension_request(
        actor=cast.handler_x, case=case, amount=1, unit="days", reason="等待材料", at=local(2026, 11, 24, 10, 0)
    )
    assert req.status == "pending"


def test_an_extension_asked_for_while_suspended_after_an_18_00_deadline_is_refused(dispatched_case, cast):
    case = dispatched_case(local(2026, 11, 23, 12, 0))  # due 18:00
    suspend(case, cast, local(2026, 11, 23, 18, 30))
    with pytest.raises(DomainError) as err:
        sla.extension_request(
            actor=cast.handler_x, case=case, amount=1, unit="days", reason="等待材料", at=local(2026, 11, 24, 10, 0)
        )
    assert err.value.field == "deadline"


def test_the_api_says_on_time_at_the_deadline_and_overdue_a_second_later(api_as, cast, dispatched_case, time_machine):
    case = dispatched_case()  # deadline Monday 15:00
    client = api_as(cast.handler_x)
    time_machine.move_to(local(2026, 11, 23, 15, 0), tick=False)
    assert client.get(f"/api/v1/sla/cases/{case.pk}/").json()["status"] == "on_time"
    time_machine.move_to(local(2026, 11, 23, 15, 0, 1), tick=False)
    assert client.get(f"/api/v1/sla/cases/{case.pk}/").json()["status"] == "overdue"


def test_escalation_levels_fire_only_once_their_instant_has_passed(dispatched_case):
    case = dispatched_case()  # deadline 15:00; level 2 at 17:00, level 3 at Tuesday 10:00 (working time)
    for now, level in [
        (local(2026, 11, 23, 15, 0), 0),
        (local(2026, 11, 23, 15, 0, 1), 1),
        (local(2026, 11, 23, 17, 0), 1),
        (local(2026, 11, 23, 17, 0, 1), 2),
        (local(2026, 11, 24, 10, 0), 2),
        (local(2026, 11, 24, 10, 0, 1), 3),
    ]:
        sla_sweep(now=now)
        assert clock_of(case).escalation_level == level, now
    assert SlaAlert.objects.filter(case=case, kind="escalation").count() == 3


def test_a_clock_swept_exactly_at_its_escalation_instant_is_looked_at_again(dispatched_case):
    case = dispatched_case()
    sla_sweep(now=local(2026, 11, 23, 15, 0))
    assert clock_of(case).next_check_at == local(2026, 11, 23, 15, 0)
    assert sla_sweep(now=local(2026, 11, 23, 15, 1)).escalations == 1


def test_a_stage_whose_policy_was_deleted_keeps_its_deadline_after_a_pause(dispatched_case, cast, policy):
    """The policy is deleted mid-stage: the stage keeps its budget and, resumed, a deadline to be late
    against (no warnings or escalations, which the policy defined)."""
    case = dispatched_case()  # due Monday 15:00, 4 working hours
    suspend(case, cast, local(2026, 11, 23, 10, 0))  # 1 h used
    SlaPolicy.objects.filter(pk=policy.pk).delete()
    sla.suspension_resume(actor=cast.handler_x, case=case, at=local(2026, 11, 24, 9, 0))
    clock = clock_of(case)
    assert clock.policy is None and clock.deadline == local(2026, 11, 24, 12, 0)
    assert clock.next_check_at is None
    assert clock.status_at(local(2026, 11, 24, 12, 0, 1)) == "overdue"
    send_back(case, cast, local(2026, 11, 24, 12, 0, 1))
    assert handle_record(case).on_time is False


def test_lists_of_overdue_cases_follow_the_same_rule(dispatched_case, cast):
    from apps.cases.models import Case
    from apps.sla.selectors import clock_overdue_q

    case = dispatched_case()  # deadline Monday 15:00
    other = dispatched_case(local(2026, 11, 23, 10, 0))  # deadline 16:00

    def overdue(now):
        return set(Case.objects.filter(clock_overdue_q(now=now, prefix="sla_clock__")).values_list("pk", flat=True))

    assert overdue(local(2026, 11, 23, 15, 0)) == set()
    assert overdue(local(2026, 11, 23, 15, 0, 1)) == {case.pk}
    assert set(
        CaseClock.objects.filter(clock_overdue_q(now=local(2026, 11, 23, 16, 0, 1))).values_list("pk", flat=True)
    ) == {
        case.pk,
        other.pk,
    }
    suspend(other, cast, local(2026, 11, 23, 15, 30))
    send_back(case, cast, local(2026, 11, 23, 15, 30))  # the dispatch stage: due 16:30
    assert overdue(local(2026, 11, 23, 16, 0, 1)) == set()
