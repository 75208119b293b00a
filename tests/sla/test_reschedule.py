"""A changed business calendar moves the deadlines of the stages running on it, once, after the commit.

The standard case of these tests is dispatched on Monday 2026-11-23 at 16:00 with 4 working hours to
handle it (09:00–12:00, 14:00–18:00): 2 hours on Monday, 2 on Tuesday, due Tuesday 11:00, warned at
80 % (Tuesday 10:12), escalated at the deadline, 2 and 4 working hours after it.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from apps.cases.models import Category
from apps.cases.services import case_transition
from apps.sla import services as sla
from apps.sla.models import BusinessCalendar, CalendarDay, CaseClock, SlaAlert, SlaPolicy
from apps.sla.reschedule import POINTS, clocks_reschedule
from apps.sla.sweep import sla_sweep
from apps.sla.tasks import sla_reschedule_task

from .conftest import local, make_running_clocks

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)


def clock_of(case) -> CaseClock:
    return CaseClock.objects.get(case=case)


def points(clock: CaseClock) -> dict:
    return {name: getattr(clock, name) for name in POINTS}


def day_off(calendar, day: date, note: str = "台风停工") -> CalendarDay:
    return CalendarDay.objects.create(calendar=calendar, date=day, is_workday=False, note=note)


@pytest.fixture
def monday_afternoon(time_machine):
    time_machine.move_to(local(2026, 11, 23, 16, 30), tick=False)


def test_declaring_tomorrow_a_day_off_moves_a_running_deadline_by_one_working_day(
    dispatched_case, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    assert clock_of(case).deadline == local(2026, 11, 24, 11, 0)
    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, TUESDAY)
    clock = clock_of(case)
    assert points(clock) == {
        "deadline": local(2026, 11, 25, 11, 0),
        "warn_at": local(2026, 11, 25, 10, 12),
        "escalate1_at": local(2026, 11, 25, 11, 0),
        "escalate2_at": local(2026, 11, 25, 15, 0),
        "escalate3_at": local(2026, 11, 25, 17, 0),
        "next_check_at": local(2026, 11, 25, 10, 12),
    }
    assert not clock.warned and clock.escalation_level == 0


def test_a_working_weekend_brings_a_deadline_forward_and_the_sweep_fires_what_is_now_due(
    dispatched_case, calendar, time_machine, django_capture_on_commit_callbacks
):
    """Friday 16:00 + 4 working hours: Monday 11:00; Saturday made a working day (调休): Saturday 11:00."""
    case = dispatched_case(local(2026, 11, 20, 16, 0))
    assert clock_of(case).deadline == local(2026, 11, 23, 11, 0)
    time_machine.move_to(local(2026, 11, 21, 11, 30), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(calendar=calendar, date=date(2026, 11, 21), is_workday=True, note="调休上班")
    clock = clock_of(case)
    assert clock.deadline == local(2026, 11, 21, 11, 0)
    assert clock.next_check_at == local(2026, 11, 21, 10, 12)
    result = sla_sweep(now=local(2026, 11, 21, 11, 30))
    assert (result.warnings, result.escalations) == (1, 1)


def test_clocks_around_the_clock_are_left_alone(
    dispatched_case, make_case, cast, city, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    urgent = Category.objects.create(code="T02", name="井盖缺失", name_en="Missing manhole cover", kind="component")
    SlaPolicy.objects.create(
        name="manholes", category=urgent, basis="clock", handle_amount=4, handle_unit="hours", verify_unit="hours"
    )
    at = local(2026, 11, 23, 16, 0)
    urgent_case = make_case(at, category=urgent)
    case_transition(case=urgent_case, actor=cast.dispatcher, action="register", at=at)
    case_transition(case=urgent_case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=at)
    working_case = dispatched_case(at)
    urgent_before = points(clock_of(urgent_case))
    assert urgent_before["deadline"] == local(2026, 11, 23, 20, 0)

    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, TUESDAY)
    assert points(clock_of(urgent_case)) == urgent_before
    assert clock_of(working_case).deadline == local(2026, 11, 25, 11, 0)


def test_suspended_and_stopped_clocks_are_left_alone(
    dispatched_case, make_case, cast, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    at = local(2026, 11, 23, 16, 0)
    running, suspended = dispatched_case(at), dispatched_case(at)
    req = sla.suspension_request(actor=cast.handler_x, case=suspended, reason="等待产权单位", at=at)
    sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 16, 30))
    stopped = make_case(local(2026, 11, 23, 17, 30))  # register stage due Tuesday 09:30, then rejected
    case_transition(case=stopped, actor=cast.dispatcher, action="reject", note="无效", at=local(2026, 11, 23, 17, 40))
    before = {case.pk: points(clock_of(case)) for case in (suspended, stopped)}
    assert before[stopped.pk]["deadline"] == local(2026, 11, 24, 9, 30)

    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, TUESDAY)
    assert clock_of(running).deadline == local(2026, 11, 25, 11, 0)
    assert {case.pk: points(clock_of(case)) for case in (suspended, stopped)} == before
    # Resuming counts on the calendar as it is then: 3.5 h left, 1 on Monday, 2.5 on Wednesday.
    clock = sla.suspension_resume(actor=cast.handler_x, case=suspended, at=local(2026, 11, 23, 17, 0))
    assert clock.deadline == local(2026, 11, 25, 11, 30)


def test_a_stage_whose_policy_was_deleted_keeps_a_deadline_that_moves(
    dispatched_case, policy, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    """Without a policy the clock counts on the default calendar and has nothing to warn or escalate."""
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    policy.delete()
    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, TUESDAY)
    clock = clock_of(case)
    assert clock.policy is None
    assert points(clock) == {name: None for name in POINTS} | {"deadline": local(2026, 11, 25, 11, 0)}


def test_a_warning_already_given_is_not_given_again(
    dispatched_case, calendar, time_machine, django_capture_on_commit_callbacks
):
    """Due Monday 15:00, warned at 14:12; at 14:30 Monday is declared a typhoon day: the 5.5 hours
    of Monday no longer count and the stage is due Tuesday 15:00, its warning point Tuesday 14:12."""
    case = dispatched_case(local(2026, 11, 23, 9, 0))
    time_machine.move_to(local(2026, 11, 23, 14, 30), tick=False)
    assert sla_sweep(now=local(2026, 11, 23, 14, 30)).warnings == 1
    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, MONDAY)
    clock = clock_of(case)
    assert (clock.deadline, clock.warn_at) == (local(2026, 11, 24, 15, 0), local(2026, 11, 24, 14, 12))
    assert clock.warned and clock.next_check_at == local(2026, 11, 24, 15, 0)

    assert str(sla_sweep(now=local(2026, 11, 24, 14, 30))) == "0 warnings, 0 escalations"
    assert str(sla_sweep(now=local(2026, 11, 24, 15, 1))) == "0 warnings, 1 escalations"
    assert SlaAlert.objects.filter(case=case, kind="warning").count() == 1


def test_an_escalation_already_fired_stays_on_record_when_the_deadline_moves_past_it(
    dispatched_case, calendar, time_machine, django_capture_on_commit_callbacks
):
    case = dispatched_case(local(2026, 11, 23, 9, 0))
    time_machine.move_to(local(2026, 11, 23, 15, 30), tick=False)
    assert str(sla_sweep(now=local(2026, 11, 23, 15, 30))) == "1 warnings, 1 escalations"
    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, MONDAY)
    clock = clock_of(case)
    assert clock.deadline == local(2026, 11, 24, 15, 0)
    assert clock.escalation_level == 1 and clock.status == "escalated"
    assert clock.next_check_at == clock.escalate2_at == local(2026, 11, 24, 17, 0)
    assert SlaAlert.objects.get(case=case, kind="escalation").due_at == local(2026, 11, 23, 15, 0)

    assert str(sla_sweep(now=local(2026, 11, 24, 15, 1))) == "0 warnings, 0 escalations"
    assert str(sla_sweep(now=local(2026, 11, 24, 17, 1))) == "0 warnings, 1 escalations"
    assert list(SlaAlert.objects.filter(case=case, kind="escalation").values_list("level", flat=True)) == [1, 2]


def test_running_the_task_twice_moves_nothing_the_second_time(dispatched_case, calendar, monday_afternoon):
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    day_off(calendar, TUESDAY)  # its on-commit work never runs in this test's transaction
    assert clock_of(case).deadline == local(2026, 11, 24, 11, 0)

    assert sla_reschedule_task.apply(args=(calendar.pk,)).get() == {"checked": 1, "moved": 1}
    after_first = points(clock_of(case))
    assert after_first["deadline"] == local(2026, 11, 25, 11, 0)
    assert sla_reschedule_task.apply(args=(calendar.pk,)).get() == {"checked": 1, "moved": 0}
    assert points(clock_of(case)) == after_first


def test_days_saved_together_recompute_once_after_the_commit(
    dispatched_case, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    with django_capture_on_commit_callbacks() as callbacks:
        for day in (24, 25, 26):
            day_off(calendar, date(2026, 11, day))
    marked = [c for c in callbacks if getattr(c, "sla_reschedule_calendar", False) == calendar.pk]
    assert len(marked) == 1
    assert clock_of(case).deadline == local(2026, 11, 24, 11, 0)  # not before the commit
    marked[0]()
    assert clock_of(case).deadline == local(2026, 11, 27, 11, 0)


def test_a_calendar_of_its_own_moves_only_its_policys_clocks(
    dispatched_case, make_case, cast, city, category, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    night = BusinessCalendar.objects.create(code="night", name="Night", work_periods=[["09:00", "12:00"]])
    other = Category.objects.create(code="T03", name="占道经营", name_en="Street vending", kind="event")
    SlaPolicy.objects.create(name="vending", category=other, calendar=night, handle_amount=4, handle_unit="hours")
    at = local(2026, 11, 23, 11, 0)
    own = make_case(at, category=other)
    case_transition(case=own, actor=cast.dispatcher, action="register", at=at)
    case_transition(case=own, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=at)
    on_default = dispatched_case(local(2026, 11, 23, 16, 0))
    assert clock_of(own).deadline == local(2026, 11, 24, 12, 0)  # 1 h Monday, 3 h Tuesday morning

    with django_capture_on_commit_callbacks(execute=True):
        day_off(night, TUESDAY)
    assert clock_of(own).deadline == local(2026, 11, 25, 12, 0)
    assert clock_of(on_default).deadline == local(2026, 11, 24, 11, 0)
    with django_capture_on_commit_callbacks(execute=True):
        day_off(calendar, TUESDAY)
    assert clock_of(own).deadline == local(2026, 11, 25, 12, 0)
    assert clock_of(on_default).deadline == local(2026, 11, 25, 11, 0)


@pytest.mark.parametrize("n", [3, 60])
def test_the_queries_of_a_reschedule_do_not_grow_with_the_clocks(
    category, city, policy, calendar, monday_afternoon, django_assert_max_num_queries, n
):
    ids = make_running_clocks(category, city, policy, n)
    day_off(calendar, TUESDAY)
    # The calendar's default flag, its row and days, the policies; per batch a savepoint, the
    # SELECT … FOR UPDATE, the UPDATE and the savepoint's release.
    with django_assert_max_num_queries(8):
        result = clocks_reschedule(calendar_id=calendar.pk, batch_size=100)
    assert (result.checked, result.moved) == (n, n)
    assert set(CaseClock.objects.filter(pk__in=ids).values_list("deadline", flat=True)) == {local(2026, 11, 25, 11, 0)}


def test_batches_cover_every_clock_once(category, city, policy, calendar, monday_afternoon):
    make_running_clocks(category, city, policy, 25)
    day_off(calendar, TUESDAY)
    result = clocks_reschedule(calendar_id=calendar.pk, batch_size=10)
    assert (result.checked, result.moved) == (25, 25)
    assert not CaseClock.objects.exclude(deadline=local(2026, 11, 25, 11, 0)).exists()


def test_the_command_recomputes_a_calendar_by_hand_and_says_how_many_moved(dispatched_case, calendar, monday_afternoon):
    dispatched_case(local(2026, 11, 23, 16, 0))
    dispatched_case(local(2026, 11, 23, 9, 0))  # due Monday 15:00, its last escalation Tuesday 10:00
    day_off(calendar, TUESDAY)
    out = StringIO()
    call_command("sla_reschedule", "std", stdout=out)
    assert out.getvalue().strip() == "Standard: 2 of 2 running clocks moved."
    out = StringIO()
    call_command("sla_reschedule", "--default", stdout=out)
    assert out.getvalue().strip() == "the default calendar: 0 of 2 running clocks moved."


# ---------------------------------------------------------------- the admin


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def calendar_form(calendar, **changes) -> dict:
    return {
        "code": calendar.code,
        "name": calendar.name,
        "work_periods": '[["09:00", "12:00"], ["14:00", "18:00"]]',
        "use_public_holidays": "on",
        "is_default": "on",
        "days-TOTAL_FORMS": "0",
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        **changes,
    }


NOTICE = "The deadlines of the cases whose time counts on the calendar “Standard” are being recomputed"


def test_changing_the_working_hours_in_the_admin_recomputes_and_says_so(
    admin_client, dispatched_case, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            f"/admin/sla/businesscalendar/{calendar.pk}/change/",
            calendar_form(calendar, work_periods='[["08:00", "12:00"], ["14:00", "18:00"]]'),
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert NOTICE in page.content.decode()
    assert clock_of(case).deadline == local(2026, 11, 24, 10, 0)  # 2 h Monday, 08:00–10:00 Tuesday


def test_a_day_off_entered_in_the_admin_recomputes_and_says_so(
    admin_client, dispatched_case, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    with django_capture_on_commit_callbacks(execute=True):
        page = admin_client.post(
            "/admin/sla/calendarday/add/",
            {"calendar": calendar.pk, "date": "2026-11-24", "note": "台风停工"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert NOTICE in page.content.decode()
    assert clock_of(case).deadline == local(2026, 11, 25, 11, 0)


def test_renaming_a_calendar_moves_nothing_and_dropping_public_holidays_does(
    admin_client, calendar, django_capture_on_commit_callbacks
):
    def post(**changes):
        with django_capture_on_commit_callbacks() as callbacks:
            page = admin_client.post(
                f"/admin/sla/businesscalendar/{calendar.pk}/change/",
                calendar_form(calendar, **changes),
                HTTP_ACCEPT_LANGUAGE="en",
                follow=True,
            )
        return page.content.decode(), [c for c in callbacks if hasattr(c, "sla_reschedule_calendar")]

    page, reschedules = post(name="Standard hours")
    assert "being recomputed" not in page and not reschedules
    page, reschedules = post(name="Standard hours", use_public_holidays="")
    assert "being recomputed" in page and len(reschedules) == 1


def test_unticking_the_default_moves_the_policies_without_a_calendar_to_the_built_in_one(
    admin_client, dispatched_case, calendar, monday_afternoon, django_capture_on_commit_callbacks
):
    """The default calendar has Tuesday off; once it is no longer the default, the built-in
    calendar (no local days) counts for the policy without a calendar of its own."""
    day_off(calendar, TUESDAY)
    case = dispatched_case(local(2026, 11, 23, 16, 0))
    assert clock_of(case).deadline == local(2026, 11, 25, 11, 0)
    with django_capture_on_commit_callbacks(execute=True):
        form = calendar_form(calendar)
        del form["is_default"]
        admin_client.post(f"/admin/sla/businesscalendar/{calendar.pk}/change/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert not BusinessCalendar.objects.get(pk=calendar.pk).is_default
    assert clock_of(case).deadline == local(2026, 11, 24, 11, 0)
