"""Working-time arithmetic on a business calendar, and plain clock time for urgent categories.

A `WorkCalendar` knows the working periods of a day (e.g. 09:00–12:00 and 14:00–18:00) and
which days are working days: a local override first (the admin's `CalendarDay` table), then
China's public holidays and the weekend days made working days (调休) from the maintained
`chinesecalendar` library, and for years that library does not know (it raises
NotImplementedError) plain weekends — such years are remembered in `unknown_years` so that
the admin can be told to enter the State Council's schedule as overrides.

All arithmetic is in seconds on Asia/Shanghai local time (no daylight saving there since
1991). Inputs and outputs are aware datetimes. Day classification is cached per calendar
instance and whole working days are skipped in one step, so adding 15 working days costs a
few dozen dictionary lookups.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_PERIODS: tuple[tuple[str, str], ...] = (("09:00", "12:00"), ("14:00", "18:00"))


class PeriodError(ValueError):
    """Working periods written wrongly; `code` and `params` let a form say how, in the user's language."""

    def __init__(self, message: str, *, code: str, **params: object) -> None:
        super().__init__(message % params)
        self.code, self.params = code, params


_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{1,2})")


def parse_periods(periods: Iterable[Iterable[str]]) -> tuple[tuple[int, int], ...]:
    """[["09:00", "12:00"], ...] -> ((32400, 43200), ...); ordered, non-overlapping, non-empty."""
    if isinstance(periods, str | bytes | Mapping) or not isinstance(periods, Iterable):
        raise PeriodError("working periods are a list of pairs of times", code="format")
    parsed: list[tuple[int, int]] = []
    for pair in periods:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise PeriodError("a working period is a pair of times, not %(value)r", code="format", value=pair)
        start_s, end_s = pair
        start, end = _hhmm(start_s), _hhmm(end_s)
        if end <= start:
            raise PeriodError(
                "working period %(start)s–%(end)s ends before it starts", code="order", start=start_s, end=end_s
            )
        if parsed and start < parsed[-1][1]:
            raise PeriodError(
                "working period %(start)s–%(end)s overlaps or is out of order", code="overlap", start=start_s, end=end_s
            )
        parsed.append((start, end))
    if not parsed:
        raise PeriodError("a calendar needs at least one working period", code="empty")
    return tuple(parsed)


def parse_time_of_day(value: str) -> int:
    """Seconds since midnight of an "HH:MM" time ("16:00" -> 57600; "24:00": the day's end); PeriodError if not one."""
    return _hhmm(value)


def _hhmm(value: str) -> int:
    match = _HHMM.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        h, m = int(match[1]), int(match[2])
        if m < 60 and (h < 24 or (h == 24 and m == 0)):
            return h * 3600 + m * 60
    shown = json.dumps(value, ensure_ascii=False, default=str)
    raise PeriodError("%(value)s is not a time of day (HH:MM)", code="time", value=shown)


def _local(at: datetime) -> tuple[date, float]:
    if at.tzinfo is None:
        raise ValueError("aware datetimes only")
    local = at.astimezone(TZ)
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1_000_000
    return local.date(), seconds


def _at(day: date, seconds: float) -> datetime:
    return datetime.combine(day, time(), tzinfo=TZ) + timedelta(seconds=seconds)


def public_holidays_known(year: int) -> bool:
    """Does chinesecalendar have the State Council's schedule for `year`?"""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class ClockTime:
    """Plain elapsed time, for urgent categories counted around the clock."""

    basis = "clock"
    unknown_years: frozenset[int] = frozenset()

    def add(self, start: datetime, seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    def elapsed(self, start: datetime, end: datetime) -> float:
        return max(0.0, (end - start).total_seconds())

    def end_of_day(self, at: datetime, *, cutoff: float | None = None) -> datetime:
        """Local midnight at the end of the day `at` falls in, or of the next day if `at` is after
        `cutoff` (seconds since local midnight; None: no cut-off)."""
        day, sec = _local(at)
        if cutoff is not None and sec > cutoff:
            day += timedelta(days=1)
        return _at(day + timedelta(days=1), 0)

    @property
    def day_seconds(self) -> int:
        return 86400


class WorkCalendar:
    basis = "working"

    def __init__(
        self,
        *,
        periods: Iterable[Iterable[str]] = DEFAULT_PERIODS,
        overrides: Mapping[date, bool] | None = None,
        use_public_holidays: bool = True,
    ) -> None:
        self.periods = parse_periods(periods)
        self.overrides = dict(overrides or {})
        self.use_public_holidays = use_public_holidays
        self._days: dict[date, bool] = {}
        self._unknown_years: set[int] = set()
        self._day_seconds = sum(end - start for start, end in self.periods)

    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day (7 hours for the default periods)."""
        return self._day_seconds

    @property
    def unknown_years(self) -> frozenset[int]:
        """Years met so far that the holiday library does not cover (weekends + overrides only)."""
        return frozenset(self._unknown_years)

    def is_workday(self, day: date) -> bool:
        cached = self._days.get(day)
        if cached is not None:
            return cached
        if day in self.overrides:
            result = self.overrides[day]
        elif self.use_public_holidays:
            try:
                result = chinese_calendar.is_workday(day)
            except NotImplementedError:
                self._unknown_years.add(day.year)
                if day.year not in _warned_years:
                    _warned_years.add(day.year)
                    logger.warning(
                        "no public-holiday data for %s in chinesecalendar: weekends and the calendar's "
                        "overrides only (enter the State Council schedule in the admin)",
                        day.year,
                    )
                result = day.weekday() < 5
        else:
            result = day.weekday() < 5
        self._days[day] = result
        return result

    def add(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of working time have passed since `start`.

        A deadline that uses up a period exactly lands on the period's end (18:00), not on
        the start of the next one. Zero or less: `start` itself.
        """
        if seconds <= 0:
            return start
        day, sec = _local(start)
        remaining = float(seconds)
        while True:
            if self.is_workday(day):
                for begin, end in self.periods:
                    if sec >= end:
                        continue
                    frm = max(sec, begin)
                    available = end - frm
                    if remaining <= available:
                        return _at(day, frm + remaining)
                    remaining -= available
                    sec = end
            day += timedelta(days=1)
            sec = 0.0
            # Skip whole days: holidays for free, working days by their length.
            while True:
                if not self.is_workday(day):
                    day += timedelta(days=1)
                elif remaining > self._day_seconds:
                    remaining -= self._day_seconds
                    day += timedelta(days=1)
                else:
                    break

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Working seconds between two instants (0 if `end` is not after `start`)."""
        if end <= start:
            return 0.0
        day_a, sec_a = _local(start)
        day_b, sec_b = _local(end)
        if day_a == day_b:
            return self._within(day_a, sec_a, sec_b)
        total = self._within(day_a, sec_a, 86400) + self._within(day_b, 0, sec_b)
        day = day_a + timedelta(days=1)
        while day < day_b:
            if self.is_workday(day):
                total += self._day_seconds
            day += timedelta(days=1)
        return total

    def _within(self, day: date, frm: float, to: float) -> float:
        if not self.is_workday(day):
            return 0.0
        total = 0.0
        for begin, end in self.periods:
            overlap = min(end, to) - max(begin, frm)
            if overlap > 0:
                total += overlap
        return total

    def end_of_day(self, at: datetime, *, cutoff: float | None = None) -> datetime:
        """The end of the working day `at` falls in — or of the next working day if `at` is
        after hours, on a day off, or later than `cutoff` (seconds since local midnight; None: no
        cut-off but the end of the working hours). "The same day" limits (当日办结) of the hotline.

        At exactly the cut-off is still the same day, as finishing exactly at a deadline is on time.
        """
        day, sec = _local(at)
        last_end = self.periods[-1][1]
        if self.is_workday(day) and sec < last_end and (cutoff is None or sec <= cutoff):
            return _at(day, last_end)
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return _at(day, last_end)
