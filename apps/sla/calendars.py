"""Loading business calendars from the database into `WorkCalendar`s, cached per process.

A calendar is rebuilt when its row's `updated_at` moves (saving the calendar or one of its
days in the admin touches it), so every process sees an admin's decision on the next lookup.
"""

from __future__ import annotations

import threading
from datetime import datetime

from .models import BusinessCalendar, CalendarDay, SlaPolicy
from .worktime import ClockTime, WorkCalendar

_lock = threading.Lock()
_cache: dict[int | None, tuple[datetime | None, WorkCalendar]] = {}
_BUILTIN = WorkCalendar()
CLOCK = ClockTime()


def calendar_get(*, calendar_id: int | None = None) -> WorkCalendar:
    """The calendar with this id, or the default calendar (the built-in one if none is set)."""
    qs = (
        BusinessCalendar.objects.filter(pk=calendar_id)
        if calendar_id
        else BusinessCalendar.objects.filter(is_default=True)
    )
    row = qs.values("id", "updated_at", "work_periods", "use_public_holidays").first()
    if row is None:
        return _BUILTIN
    cached = _cache.get(row["id"])
    if cached and cached[0] == row["updated_at"]:
        return cached[1]
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


def calendar_touch(*, calendar_id: int) -> None:
    """Mark a calendar changed (after editing its days) so every process reloads it."""
    from django.utils import timezone

    BusinessCalendar.objects.filter(pk=calendar_id).update(updated_at=timezone.now())


def cache_clear() -> None:
    with _lock:
        _cache.clear()
