"""Loading business calendars from the database into `WorkCalendar`s, cached per process.

The calendars' rows are kept in a `ProcessCache` (gridops.localcache); a calendar is rebuilt when
its row's `updated_at` moves (saving the calendar or one of its days in the admin touches it), so
every process sees an admin's decision within the cache's few seconds.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from gridops.localcache import ProcessCache

from .models import BusinessCalendar, CalendarDay, SlaPolicy
from .worktime import ClockTime, WorkCalendar, public_holidays_known

_lock = threading.Lock()
_cache: dict[int | None, tuple[datetime | None, WorkCalendar]] = {}
_BUILTIN = WorkCalendar()
CLOCK = ClockTime()


def _rows_load() -> dict[int | None, dict]:
    """Calendar rows by id, and the default one under None."""
    rows = BusinessCalendar.objects.order_by("id").values(
        "id", "updated_at", "work_periods", "use_public_holidays", "is_default"
    )
    by_id: dict[int | None, dict] = {}
    for row in rows:
        by_id[row["id"]] = row
        if row["is_default"] and None not in by_id:
            by_id[None] = row
    return by_id


_rows = ProcessCache("calendars", _rows_load, models=(BusinessCalendar, CalendarDay))


def calendar_get(*, calendar_id: int | None = None) -> WorkCalendar:
    """The calendar with this id, or the default calendar (the built-in one if none is set)."""
    row = _rows.get().get(calendar_id or None)
    if row is None:
        return _BUILTIN
    cached = _cache.get(row["id"])
    if cached and cached[0] == row["updated_at"]:
        return cached[1]
    return _build(row)


def _build(row: dict) -> WorkCalendar:
    overrides = dict(CalendarDay.objects.filter(calendar_id=row["id"]).values_list("date", "is_workday"))
    built = WorkCalendar(
        periods=row["work_periods"], overrides=overrides, use_public_holidays=row["use_public_holidays"]
    )
    with _lock:
        _cache[row["id"]] = (row["updated_at"], built)
    return built


def timekeeper_for(policy: SlaPolicy | None) -> WorkCalendar | ClockTime:
    if policy is not None and policy.basis == "clock":
        return CLOCK
    return calendar_get(calendar_id=policy.calendar_id if policy else None)


def timekeeper_for_clock(clock) -> WorkCalendar | ClockTime:
    """The time basis a running stage started with (`clock.basis`), whatever its policy says now:
    a policy edited or deleted mid-stage must not turn working seconds into clock seconds."""
    if clock.basis == "clock":
        return CLOCK
    return calendar_get(calendar_id=clock.policy.calendar_id if clock.policy_id and clock.policy else None)


def calendar_touch(*, calendar_id: int) -> None:
    """Mark a calendar changed (after editing its days) so every process reloads it, and have the
    deadlines of the stages running on it recomputed once the transaction commits
    (`apps.sla.reschedule`)."""
    from django.utils import timezone

    from .reschedule import clocks_reschedule_after_commit

    BusinessCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())
    _rows.clear()
    clocks_reschedule_after_commit(calendar_id=calendar_id)


def calendar_get_fresh(*, calendar_id: int | None = None) -> WorkCalendar:
    """`calendar_get` as the database has it now, not as this process's cache last saw it: another
    process's change reaches the cache only after a few seconds, and one made within the same
    instant as the cached build (a frozen clock) would not move `updated_at`."""
    _rows.clear()
    row = _rows.get().get(calendar_id or None)
    return _BUILTIN if row is None else _build(row)


def cache_clear() -> None:
    _rows.clear()
    with _lock:
        _cache.clear()


def holiday_data_gaps(*, today: date | None = None, horizon_days: int = 90) -> list[dict]:
    """Years from `today` to `horizon_days` ahead for which the public-holiday package has no data,
    with how many days of that year the calendars already decide locally: [{"year", "overrides"}].
    Without data such a year's holidays count as working days and its make-up working weekends as
    days off, until an administrator enters them (or the package is upgraded)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    gaps = []
    for year in range(today.year, (today + timedelta(days=horizon_days)).year + 1):
        if not public_holidays_known(year):
            gaps.append({"year": year, "overrides": CalendarDay.objects.filter(date__year=year).count()})
    return gaps


def holiday_data_warnings() -> list[str]:
    """`holiday_data_gaps` as messages for an administrator (the admin's calendar pages, the
    administrator's workbench)."""
    from django.utils.translation import gettext as _

    return [
        _(
            "There is no public-holiday data for %(year)s yet: its holidays would count as working days "
            "and its make-up working weekends as days off. Enter the year's holidays and make-up days as "
            "calendar days (%(n)d entered so far), or upgrade the chinesecalendar package once it covers %(year)s."
        )
        % {"year": gap["year"], "n": gap["overrides"]}
        for gap in holiday_data_gaps()
    ]
