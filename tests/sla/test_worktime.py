"""Working-time arithmetic: lunch breaks, nights, weekends, public holidays and 调休 working days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from apps.demo.sla import SPRING_FESTIVAL_2027
from apps.sla.worktime import ClockTime, WorkCalendar

from .conftest import local

H = 3600
cal = WorkCalendar()


def test_library_knows_national_day_2026_and_its_working_weekend_days():
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 9, 20))  # a Sunday made a working day
    assert cal.is_workday(date(2026, 10, 10))  # a Saturday made a working day
    assert date(2026, 9, 20).weekday() == 6 and date(2026, 10, 10).weekday() == 5


def test_adding_within_a_morning():
    assert cal.add(local(2026, 11, 23, 9, 0), 2 * H) == local(2026, 11, 23, 11, 0)


def test_lunch_break_does_not_count():
    assert cal.add(local(2026, 11, 23, 11, 0), 2 * H) == local(2026, 11, 23, 15, 0)
    assert cal.elapsed(local(2026, 11, 23, 11, 30), local(2026, 11, 23, 14, 30)) == H


def test_a_deadline_that_uses_up_the_day_lands_at_18_00_not_next_morning():
    assert cal.add(local(2026, 11, 23, 9, 0), 7 * H) == local(2026, 11, 23, 18, 0)


def test_night_and_weekend_do_not_count():
    # Friday 17:00 + 2 h -> Monday 10:00
    assert cal.add(local(2026, 11, 27, 17, 0), 2 * H) == local(2026, 11, 30, 10, 0)
    assert cal.elapsed(local(2026, 11, 27, 17, 0), local(2026, 11, 30, 10, 0)) == 2 * H


def test_starting_at_night_or_in_lunch_starts_at_the_next_period():
    assert cal.add(local(2026, 11, 23, 22, 0), H) == local(2026, 11, 24, 10, 0)
    assert cal.add(local(2026, 11, 23, 12, 30), H) == local(2026, 11, 23, 15, 0)
    assert cal.add(local(2026, 11, 23, 6, 0), 30 * 60) == local(2026, 11, 23, 9, 30)


def test_national_day_2026_is_skipped():
    # Wednesday 30 Sept 17:00 + 2 h -> Thursday 8 Oct 10:00 (1-7 Oct off)
    assert cal.add(local(2026, 9, 30, 17, 0), 2 * H) == local(2026, 10, 8, 10, 0)
    assert cal.elapsed(local(2026, 9, 30, 9, 0), local(2026, 10, 8, 18, 0)) == 14 * H


def test_working_sunday_of_national_day_counts():
    # Friday 18 Sept 17:00 + 2 h -> Sunday 20 Sept 10:00 (调休), not Monday
    assert cal.add(local(2026, 9, 18, 17, 0), 2 * H) == local(2026, 9, 20, 10, 0)
    assert cal.elapsed(local(2026, 9, 19, 0, 0), local(2026, 9, 21, 0, 0)) == 7 * H


def test_working_saturday_after_national_day_counts():
    # Friday 9 Oct 17:00 + 2 h -> Saturday 10 Oct 10:00
    assert cal.add(local(2026, 10, 9, 17, 0), 2 * H) == local(2026, 10, 10, 10, 0)


def test_days_are_multiples_of_a_working_day_and_skip_holidays():
    # 5 working days from Tuesday 29 Sept 10:00: 29, 30 Sept, 8, 9, 10 Oct, 11 is Sunday, 12 Oct 10:00
    assert cal.add(local(2026, 9, 29, 10, 0), 5 * 7 * H) == local(2026, 10, 12, 10, 0)


def test_years_the_library_does_not_know_fall_back_to_weekends_and_say_so():
    c = WorkCalendar()
    assert c.is_workday(date(2027, 3, 1))  # Monday
    assert not c.is_workday(date(2027, 3, 6))  # Saturday
    assert 2027 in c.unknown_years


def test_spring_festival_2027_from_overrides():
    c = WorkCalendar(overrides={d: w for d, w, _note in SPRING_FESTIVAL_2027})
    assert not any(c.is_workday(date(2027, 2, d)) for d in range(6, 13))
    assert c.is_workday(date(2027, 2, 20))  # the make-up Saturday
    # Friday 5 Feb 17:00 + 2 h: the holiday week and the weekend after it are skipped -> Monday 15 Feb 10:00
    assert c.add(local(2027, 2, 5, 17, 0), 2 * H) == local(2027, 2, 15, 10, 0)
    assert c.elapsed(local(2027, 2, 5, 9, 0), local(2027, 2, 14, 23, 0)) == 7 * H
    # Friday 19 Feb 17:00 + 2 h -> Saturday 20 Feb 10:00
    assert c.add(local(2027, 2, 19, 17, 0), 2 * H) == local(2027, 2, 20, 10, 0)


def test_overrides_win_over_the_library():
    c = WorkCalendar(overrides={date(2026, 10, 2): True, date(2026, 11, 23): False})
    assert c.is_workday(date(2026, 10, 2))
    assert not c.is_workday(date(2026, 11, 23))


def test_custom_working_hours():
    c = WorkCalendar(periods=[["08:30", "12:00"], ["13:30", "17:30"]])
    assert c.day_seconds == 7.5 * H
    assert c.add(local(2026, 11, 23, 11, 0), 2 * H) == local(2026, 11, 23, 14, 30)


@pytest.mark.parametrize("periods", [[["12:00", "09:00"]], [["09:00", "12:00"], ["11:00", "13:00"]], []])
def test_bad_working_periods_are_refused(periods):
    with pytest.raises(ValueError):
        WorkCalendar(periods=periods)


def test_add_and_elapsed_agree_over_many_starts():
    start = local(2026, 9, 17, 8, 13)
    for step in range(0, 60 * 24 * 30, 97):  # every 97 minutes over a month spanning National Day
        t = start + timedelta(minutes=step)
        for amount in (1, 30 * 60, 3 * H, 7 * H, 20 * H):
            end = cal.add(t, amount)
            assert abs(cal.elapsed(t, end) - amount) < 1e-6, (t, amount)


def test_aware_datetimes_in_any_zone_come_out_in_shanghai_time():
    from datetime import UTC, datetime

    out = cal.add(datetime(2026, 11, 23, 1, 0, tzinfo=UTC), H)  # 09:00 Shanghai
    assert out == local(2026, 11, 23, 10, 0)
    with pytest.raises(ValueError):
        cal.add(datetime(2026, 11, 23, 9, 0), H)


def test_same_day_is_the_end_of_the_working_day_or_the_next_one():
    assert cal.end_of_day(local(2026, 11, 23, 10, 0)) == local(2026, 11, 23, 18, 0)
    assert cal.end_of_day(local(2026, 11, 27, 19, 0)) == local(2026, 11, 30, 18, 0)


CUTOFF_16 = 16 * H


def test_same_day_after_the_cut_off_is_the_end_of_the_next_working_day():
    assert cal.end_of_day(local(2026, 11, 23, 17, 59), cutoff=CUTOFF_16) == local(2026, 11, 24, 18, 0)
    assert cal.end_of_day(local(2026, 11, 23, 16, 0, 0, 1), cutoff=CUTOFF_16) == local(2026, 11, 24, 18, 0)
    # Friday after the cut-off: the weekend is skipped
    assert cal.end_of_day(local(2026, 11, 27, 16, 30), cutoff=CUTOFF_16) == local(2026, 11, 30, 18, 0)


def test_same_day_up_to_the_cut_off_is_the_end_of_that_working_day():
    assert cal.end_of_day(local(2026, 11, 23, 16, 0), cutoff=CUTOFF_16) == local(2026, 11, 23, 18, 0)
    assert cal.end_of_day(local(2026, 11, 23, 7, 0), cutoff=CUTOFF_16) == local(2026, 11, 23, 18, 0)
    assert cal.end_of_day(local(2026, 11, 23, 12, 30), cutoff=CUTOFF_16) == local(2026, 11, 23, 18, 0)


def test_same_day_skips_holidays_and_counts_working_weekend_days():
    # Wednesday 30 Sept after the cut-off: National Day 1-7 Oct off -> Thursday 8 Oct
    assert cal.end_of_day(local(2026, 9, 30, 16, 30), cutoff=CUTOFF_16) == local(2026, 10, 8, 18, 0)
    # during the holiday, in what would be working hours on a Friday
    assert cal.end_of_day(local(2026, 10, 2, 10, 0), cutoff=CUTOFF_16) == local(2026, 10, 8, 18, 0)
    # Friday 9 Oct after the cut-off -> Saturday 10 Oct, a working day (调休)
    assert cal.end_of_day(local(2026, 10, 9, 16, 30), cutoff=CUTOFF_16) == local(2026, 10, 10, 18, 0)
    # on that working Saturday morning: the same Saturday
    assert cal.end_of_day(local(2026, 10, 10, 10, 0), cutoff=CUTOFF_16) == local(2026, 10, 10, 18, 0)


def test_same_day_reads_the_day_in_shanghai_not_utc():
    from datetime import UTC, datetime

    # 23:30 UTC on Sunday is 07:30 on Monday in Shenzhen: the same (Monday) day
    assert cal.end_of_day(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), cutoff=CUTOFF_16) == local(2026, 11, 23, 18, 0)
    # 08:30 UTC is 16:30 in Shenzhen: after the cut-off
    assert cal.end_of_day(datetime(2026, 11, 23, 8, 30, tzinfo=UTC), cutoff=CUTOFF_16) == local(2026, 11, 24, 18, 0)
    clock = ClockTime()
    assert clock.end_of_day(datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == local(2026, 11, 24, 0, 0)


def test_same_day_around_the_clock_ends_at_midnight_or_the_next_one_after_the_cut_off():
    clock = ClockTime()
    assert clock.end_of_day(local(2026, 10, 1, 15, 0), cutoff=CUTOFF_16) == local(2026, 10, 2, 0, 0)
    assert clock.end_of_day(local(2026, 10, 1, 23, 59), cutoff=CUTOFF_16) == local(2026, 10, 3, 0, 0)


def test_clock_time_counts_everything():
    clock = ClockTime()
    assert clock.add(local(2026, 10, 1, 23, 0), 2 * H) == local(2026, 10, 2, 1, 0)


def test_adding_fifteen_working_days_is_fast():
    import time

    t0 = time.perf_counter()
    for _ in range(2000):
        cal.add(local(2026, 9, 1, 10, 0), 15 * 7 * H)
    assert (time.perf_counter() - t0) / 2000 < 0.001
