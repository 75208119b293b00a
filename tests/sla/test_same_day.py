""" "The same day" limits (当日办结): a stage that starts after the cut-off (16:00 by default), after
the working hours or on a day off is due at the end of the next working day, never a minute later."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from apps.sla.models import CaseClock, SlaPolicy

from .conftest import local


@pytest.fixture
def same_day_policy(category, calendar) -> SlaPolicy:
    """Register the same day (hotline rules for urgent requests), the rest as in the garbage policy."""
    return SlaPolicy.objects.create(
        name="urgent hotline",
        category=category,
        basis="working",
        register_amount=1,
        register_unit="same_day",
        dispatch_amount=1,
        dispatch_unit="hours",
        handle_amount=4,
        handle_unit="hours",
        verify_amount=1,
        verify_unit="days",
    )


def deadline_of(case):
    return CaseClock.objects.get(case=case).deadline


def test_a_case_reported_at_17_59_is_due_at_the_end_of_the_next_working_day(make_case, same_day_policy):
    """Not at 18:00, one minute later: nobody can register a case in a minute."""
    assert deadline_of(make_case(local(2026, 11, 23, 17, 59))) == local(2026, 11, 24, 18, 0)


@pytest.mark.parametrize(
    "reported,due",
    [
        ((2026, 11, 23, 9, 0), (2026, 11, 23, 18, 0)),  # Monday morning: that day
        ((2026, 11, 23, 7, 30), (2026, 11, 23, 18, 0)),  # before the office opens: that day
        ((2026, 11, 23, 16, 0), (2026, 11, 23, 18, 0)),  # exactly at the cut-off: still that day
        ((2026, 11, 23, 16, 0, 1), (2026, 11, 24, 18, 0)),  # a second later: the next working day
        ((2026, 11, 23, 21, 0), (2026, 11, 24, 18, 0)),  # at night
        ((2026, 11, 27, 16, 30), (2026, 11, 30, 18, 0)),  # Friday after the cut-off: Monday
        ((2026, 11, 28, 10, 0), (2026, 11, 30, 18, 0)),  # Saturday: Monday
        ((2026, 9, 30, 17, 0), (2026, 10, 8, 18, 0)),  # eve of National Day: after the holiday
        ((2026, 10, 3, 10, 0), (2026, 10, 8, 18, 0)),  # during the holiday
        ((2026, 10, 9, 16, 30), (2026, 10, 10, 18, 0)),  # Friday 9 Oct: Saturday 10 Oct is a working day (调休)
    ],
)
def test_same_day_deadlines_follow_the_cut_off_and_the_calendar(make_case, same_day_policy, reported, due):
    assert deadline_of(make_case(local(*reported))) == local(*due)


def test_the_warning_falls_inside_the_budget_of_a_late_report(make_case, same_day_policy):
    """Reported Monday 17:59: the budget runs to Tuesday 18:00 (7 h 1 min of working time), so the
    80 % warning falls on Tuesday afternoon, not on Monday evening."""
    clock = CaseClock.objects.get(case=make_case(local(2026, 11, 23, 17, 59)))
    assert clock.limit_seconds == 7 * 3600 + 60
    assert local(2026, 11, 24, 14, 0) < clock.warn_at < clock.deadline


def test_the_cut_off_is_a_setting(make_case, same_day_policy, settings):
    settings.GRIDOPS_SLA_SAME_DAY_CUTOFF = "17:00"
    assert deadline_of(make_case(local(2026, 11, 23, 16, 30))) == local(2026, 11, 23, 18, 0)
    assert deadline_of(make_case(local(2026, 11, 23, 17, 1))) == local(2026, 11, 24, 18, 0)


def test_a_cut_off_of_24_00_leaves_only_the_working_hours(make_case, same_day_policy, settings):
    settings.GRIDOPS_SLA_SAME_DAY_CUTOFF = "24:00"
    assert deadline_of(make_case(local(2026, 11, 23, 17, 59))) == local(2026, 11, 23, 18, 0)
    assert deadline_of(make_case(local(2026, 11, 23, 18, 0))) == local(2026, 11, 24, 18, 0)


def test_same_day_around_the_clock_after_the_cut_off_is_due_at_the_next_midnight(make_case, category, calendar):
    SlaPolicy.objects.create(name="emergency", category=category, basis="clock", register_unit="same_day")
    assert deadline_of(make_case(local(2026, 10, 1, 15, 0))) == local(2026, 10, 2, 0, 0)
    assert deadline_of(make_case(local(2026, 10, 1, 23, 59))) == local(2026, 10, 3, 0, 0)


def test_a_badly_written_cut_off_fails_loudly_and_at_start(make_case, same_day_policy, settings):
    settings.GRIDOPS_SLA_SAME_DAY_CUTOFF = "4pm"
    with pytest.raises(ImproperlyConfigured, match="GRIDOPS_SLA_SAME_DAY_CUTOFF"):
        make_case(local(2026, 11, 23, 10, 0))
    assert [e.id for e in run_checks() if e.id.startswith("sla.")] == ["sla.E001"]
    settings.GRIDOPS_SLA_SAME_DAY_CUTOFF = "16:30"
    assert [e.id for e in run_checks() if e.id.startswith("sla.")] == []


def test_a_time_zone_other_than_the_calendars_is_reported_at_start(settings):
    assert [e.id for e in run_checks() if e.id.startswith("sla.")] == []
    settings.TIME_ZONE = "UTC"
    assert [e.id for e in run_checks() if e.id.startswith("sla.")] == ["sla.W001"]
