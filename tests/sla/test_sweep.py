"""The sweep fires each warning and each escalation level exactly once, and tells the right people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.choices import Role
from apps.cases.models import CaseEvent
from apps.notify.models import Notification
from apps.sla import services as sla
from apps.sla.models import CaseClock, SlaAlert
from apps.sla.sweep import sla_sweep
from tests import factories

from .conftest import local


def alerts(case):
    return list(SlaAlert.objects.filter(case=case).order_by("kind", "level").values_list("kind", "level"))


def test_nothing_due_nothing_happens(dispatched_case, django_assert_max_num_queries):
    dispatched_case()
    with django_assert_max_num_queries(3):  # savepoint, select, release
        result = sla_sweep(now=local(2026, 11, 23, 10, 0))
    assert (result.warnings, result.escalations, result.checked) == (0, 0, 0)


def test_each_ladder_level_fires_once_as_time_passes(dispatched_case, cast):
    """Warnings fire at their instant; escalations once it has passed (at the deadline itself a stage
    is still on time)."""
    case = dispatched_case()  # handle: deadline 15:00, warning 14:12; ladder +0, +2 h, +4 h working
    times = [
        local(2026, 11, 23, 14, 11),
        local(2026, 11, 23, 14, 12),
        local(2026, 11, 23, 14, 30),
        local(2026, 11, 23, 15, 0),
        local(2026, 11, 23, 15, 0, 1),
        local(2026, 11, 23, 16, 0),
        local(2026, 11, 23, 17, 0),
        local(2026, 11, 23, 17, 1),
        local(2026, 11, 23, 20, 0),
        local(2026, 11, 24, 9, 0),
        local(2026, 11, 24, 9, 59),
        local(2026, 11, 24, 10, 0),
        local(2026, 11, 24, 10, 1),
        local(2026, 11, 25, 11, 0),
    ]
    seen = []
    for now in times:
        r = sla_sweep(now=now)
        seen.append((r.warnings, r.escalations))
        sla_sweep(now=now)  # and again at the same instant: nothing new
    assert seen == [
        (0, 0),
        (1, 0),
        (0, 0),
        (0, 0),
        (0, 1),
        (0, 0),
        (0, 0),
        (0, 1),
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 1),
        (0, 0),
    ]
    assert alerts(case) == [("escalation", 1), ("escalation", 2), ("escalation", 3), ("warning", 0)]
    clock = CaseClock.objects.get(case=case)
    assert clock.escalation_level == 3 and clock.next_check_at is None and clock.status == "escalated"
    history = list(CaseEvent.objects.filter(case=case, action__startswith="sla_").values_list("action", "data"))
    assert [a for a, _d in history] == ["sla_warning", "sla_escalation", "sla_escalation", "sla_escalation"]
    assert [d["level"] for _a, d in history] == [0, 1, 2, 3]


def test_a_late_sweep_fires_every_due_point_at_once(dispatched_case):
    case = dispatched_case()
    r = sla_sweep(now=local(2026, 11, 30, 9, 0))
    assert (r.warnings, r.escalations) == (1, 3)
    assert dict(r.by_level) == {1: 1, 2: 1, 3: 1}
    assert len(alerts(case)) == 4
    r = sla_sweep(now=local(2026, 11, 30, 9, 0))
    assert (r.warnings, r.escalations) == (0, 0)


def test_sweep_twice_at_the_same_instant_adds_nothing(dispatched_case):
    for h in range(9, 12):
        dispatched_case(local(2026, 11, 23, h, 0))
    now = local(2026, 11, 24, 9, 0)
    first = sla_sweep(now=now)
    rows = SlaAlert.objects.count()
    notifications = Notification.objects.count()
    second = sla_sweep(now=now)
    assert first.warnings == 3 and (second.warnings, second.escalations) == (0, 0)
    assert SlaAlert.objects.count() == rows and Notification.objects.count() == notifications


def test_a_stale_clock_cannot_alert_twice(dispatched_case):
    """Even if a clock's flags were lost (a racing worker), the unique constraint keeps one alert."""
    case = dispatched_case()
    sla_sweep(now=local(2026, 11, 23, 14, 30))
    CaseClock.objects.filter(case=case).update(warned=False, next_check_at=local(2026, 11, 23, 14, 12))
    r = sla_sweep(now=local(2026, 11, 23, 14, 30))
    assert r.warnings == 0
    assert SlaAlert.objects.filter(case=case, kind="warning").count() == 1
    assert CaseEvent.objects.filter(case=case, action="sla_warning").count() == 1


def test_a_restarted_stage_is_a_new_round(dispatched_case, cast):
    from apps.cases.services import case_transition

    case = dispatched_case()
    sla_sweep(now=local(2026, 11, 23, 14, 30))
    case_transition(case=case, actor=cast.handler_x, action="return", note="错派", at=local(2026, 11, 23, 14, 40))
    case_transition(
        case=case,
        actor=cast.dispatcher,
        action="dispatch",
        department=cast.handler_x.department,
        at=local(2026, 11, 23, 14, 45),
    )
    r = sla_sweep(now=local(2026, 11, 24, 9, 0))
    assert r.warnings == 1
    assert SlaAlert.objects.filter(case=case, kind="warning").count() == 2


def test_suspended_clock_is_not_swept(dispatched_case, cast):
    case = dispatched_case()
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="等待", at=local(2026, 11, 23, 10, 0))
    sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 10, 0))
    assert sla_sweep(now=local(2026, 12, 1, 9, 0)).warnings == 0
    assert alerts(case) == []


def test_closing_the_case_stops_alerts(dispatched_case, cast):
    from apps.cases.services import case_transition

    case = dispatched_case()
    case_transition(case=case, actor=cast.handler_x, action="accept", at=local(2026, 11, 23, 9, 30))
    case_transition(case=case, actor=cast.handler_x, action="return", note="错派", at=local(2026, 11, 23, 9, 40))
    case_transition(case=case, actor=cast.dispatcher, action="reject", note="不属于城管", at=local(2026, 11, 23, 9, 50))
    assert CaseClock.objects.get(case=case).next_check_at is None
    assert sla_sweep(now=local(2026, 12, 1, 9, 0)).warnings == 0


def test_ladder_notifies_the_right_people(dispatched_case, cast, city):
    from apps.grid import services as grid_services

    boss = factories.make_user(Role.SUPERVISOR, username="boss_x")
    cast.handler_x.reports_to = boss
    cast.handler_x.save()
    sub_sup = factories.make_user(Role.SUPERVISOR, username="sub_sup")
    grid_services.supervisor_scope_grant(supervisor=sub_sup, area=city.subdistrict_d)
    case = dispatched_case()

    def inbox(now):
        before = set(Notification.objects.values_list("pk", flat=True))
        sla_sweep(now=now)
        return set(
            Notification.objects.exclude(pk__in=before)
            .filter(channel="inapp")
            .values_list("recipient__username", flat=True)
        )

    assert inbox(local(2026, 11, 23, 14, 12)) == {"handler_x", "officer_a"}
    assert inbox(local(2026, 11, 23, 15, 1)) == {"handler_x", "officer_a", "boss_x"}
    assert inbox(local(2026, 11, 23, 17, 1)) == {"handler_x", "officer_a", "boss_x", "sub_sup"}
    assert inbox(local(2026, 11, 24, 10, 1)) == {"handler_x", "officer_a", "boss_x", "supervisor_d", "dispatcher"}
    n = Notification.objects.filter(key="sla_escalation", recipient=boss).first()
    assert case.tracking_code in n.text


def test_ladder_tells_the_officer_answering_for_the_cell_now(dispatched_case, cast, city):
    """The cell changed hands after the report: the new officer hears of the warning, the old one
    (who can no longer see the case) does not."""
    from apps.grid import services as grid_services

    case = dispatched_case()
    assert case.responsible_officer_id == cast.officer_a.pk
    grid_services.assignment_create(cell=city.cell_a, officer=cast.officer_c, valid_from=local(2026, 11, 23, 12, 0))
    sla_sweep(now=local(2026, 11, 23, 14, 12))
    told = set(Notification.objects.filter(key="sla_warning", channel="inapp").values_list("recipient", flat=True))
    assert told == {cast.handler_x.pk, cast.officer_c.pk}


def test_sweep_query_count_does_not_grow_with_the_batch(dispatched_case, django_assert_max_num_queries):
    for m in range(0, 50, 5):
        dispatched_case(local(2026, 11, 23, 9, m))
    # everything is per batch, not per case or per alert
    with django_assert_max_num_queries(14):
        r = sla_sweep(now=local(2026, 11, 30, 9, 0))
    assert (r.warnings, r.escalations) == (10, 30)


def test_batches_cover_every_due_clock(dispatched_case):
    for m in range(0, 21, 3):
        dispatched_case(local(2026, 11, 23, 9, m))
    r = sla_sweep(now=local(2026, 11, 23, 14, 59), batch_size=2)
    assert r.warnings == 7
    assert CaseClock.objects.filter(next_check_at__lte=local(2026, 11, 23, 14, 59)).count() == 0


def test_command_prints_the_figures(dispatched_case, capsys):
    dispatched_case()
    call_command("sla_sweep", "--now", "2026-11-23T15:00:01+08:00")
    assert "1 warnings, 1 escalations" in capsys.readouterr().out


def test_command_refuses_a_bad_now(db):
    with pytest.raises(CommandError, match="--now"):
        call_command("sla_sweep", "--now", "yesterday")
    with pytest.raises(CommandError, match="--now"):
        call_command("sla_sweep", "--now", "2026-11-23T15:00:00")  # naive: which zone?


def test_now_defaults_to_the_clock(dispatched_case, time_machine):
    dispatched_case()
    time_machine.move_to(local(2026, 11, 23, 14, 30) + timedelta(seconds=1))
    assert sla_sweep().warnings == 1
