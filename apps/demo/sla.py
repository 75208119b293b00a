"""Demo data: the business calendar and SLA policies in the style of real city rules.

Calendar: working hours 09:00–12:00 and 14:00–18:00; China's public holidays from the
`chinesecalendar` library (2004–2026 in the installed version). For 2027, which the library
does not know yet, overrides follow the State Council's usual Spring Festival pattern: New
Year's Day of the Year of the Goat is Saturday 6 February 2027, so the demo takes Saturday
6 – Friday 12 February off (seven days, five of them weekdays) and makes Saturday 20 February
a working day (调休). This is a placeholder until the State Council publishes the 2027
schedule: replace it in the admin (Business calendars → Standard → days) when it does.

Policies are keyed by category code (apps/demo/categories.py), by Chinese name as a fallback:
street-order events in working hours (暴露垃圾 4 h, 道路不洁 2 h), facilities in working days
(绿地养护 5, 违法建设 15), hotline requests by type (urgent the same day, consultation and
help 3 working days, complaints and reports 13), emergencies in clock time; a default for
everything else.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from apps.cases.models import Category
from apps.sla.calendars import calendar_touch
from apps.sla.models import BusinessCalendar, CalendarDay, SlaPolicy

SPRING_FESTIVAL_2027: list[tuple[date, bool, str]] = [
    *[
        (date(2027, 2, 6) + timedelta(days=n), False, "春节 2027 (placeholder pending the State Council notice)")
        for n in range(7)
    ],
    (date(2027, 2, 20), True, "春节调休上班 2027 (placeholder pending the State Council notice)"),
]

_W, _C = "working", "clock"
# category code, Chinese name (fallback lookup), basis, (register, dispatch, handle, verify) as (amount, unit),
# escalation ladder minutes after the deadline (levels 1, 2, 3), extensions allowed
POLICIES: list[tuple[str, str, str, tuple, tuple[int, int, int], int]] = [
    ("E0101", "暴露垃圾", _W, ((30, "minutes"), (30, "minutes"), (4, "hours"), (2, "hours")), (0, 120, 240), 1),
    ("E0102", "道路不洁", _W, ((30, "minutes"), (30, "minutes"), (2, "hours"), (2, "hours")), (0, 120, 240), 1),
    ("C0402", "绿地养护", _W, ((1, "hours"), (2, "hours"), (5, "days"), (1, "days")), (0, 420, 840), 2),
    ("E0301", "违法建设", _W, ((2, "hours"), (1, "days"), (15, "days"), (2, "days")), (0, 840, 2100), 2),
    ("H0101", "紧急求助", _W, ((30, "minutes"), (30, "minutes"), (1, "same_day"), (1, "days")), (0, 60, 120), 0),
    ("H0102", "咨询", _W, ((1, "hours"), (2, "hours"), (3, "days"), (1, "days")), (0, 420, 840), 1),
    ("H0103", "求助", _W, ((1, "hours"), (2, "hours"), (3, "days"), (1, "days")), (0, 420, 840), 1),
    ("H0104", "投诉", _W, ((1, "hours"), (4, "hours"), (13, "days"), (2, "days")), (0, 840, 2100), 2),
    ("H0105", "举报", _W, ((1, "hours"), (4, "hours"), (13, "days"), (2, "days")), (0, 840, 2100), 2),
    # Emergencies (突发事件, the parent class: every child inherits it) around the clock.
    ("E05", "突发事件", _C, ((15, "minutes"), (15, "minutes"), (2, "hours"), (2, "hours")), (0, 30, 60), 0),
]
# Any other urgent case (a missing manhole cover, a falling facade) also runs on clock time.
DEFAULT_URGENT = (_C, ((15, "minutes"), (30, "minutes"), (4, "hours"), (4, "hours")), (0, 60, 120), 0)
DEFAULT = (_W, ((1, "hours"), (2, "hours"), (5, "days"), (1, "days")), (0, 420, 840), 1)


def _out(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _policy_fields(basis, limits, ladder, max_ext) -> dict:
    fields = {
        "basis": basis,
        "max_extensions": max_ext,
        "warning_percent": 80,
        "escalation1_minutes": ladder[0],
        "escalation2_minutes": ladder[1],
        "escalation3_minutes": ladder[2],
    }
    for stage, (amount, unit) in zip(("register", "dispatch", "handle", "verify"), limits, strict=True):
        fields[f"{stage}_amount"], fields[f"{stage}_unit"] = amount, unit
    return fields


@transaction.atomic
def load(*, stdout=None) -> None:
    """Load the standard calendar (with the 2027 Spring Festival overrides) and the SLA policies."""
    calendar, _ = BusinessCalendar.objects.update_or_create(
        code="std",
        defaults={
            "name": "标准工作日历 / Standard",
            "is_default": True,
            "work_periods": [["09:00", "12:00"], ["14:00", "18:00"]],
        },
    )
    for day, is_workday, note in SPRING_FESTIVAL_2027:
        CalendarDay.objects.update_or_create(
            calendar=calendar, date=day, defaults={"is_workday": is_workday, "note": note}
        )
    calendar_touch(calendar_id=calendar.pk)
    SlaPolicy.objects.update_or_create(
        category=None, priority="", defaults={"name": "默认 / Default", **_policy_fields(*DEFAULT)}
    )
    SlaPolicy.objects.update_or_create(
        category=None,
        priority="urgent",
        defaults={"name": "紧急默认 / Urgent default", **_policy_fields(*DEFAULT_URGENT)},
    )
    by_code = {c.code: c for c in Category.objects.all()}
    by_name = {c.name: c for c in by_code.values()}
    loaded, missing = 2, []
    for code, name, basis, limits, ladder, max_ext in POLICIES:
        category = by_code.get(code) or by_name.get(name)
        if category is None:
            missing.append(f"{code} {name}")
            continue
        SlaPolicy.objects.update_or_create(
            category=category,
            priority="",
            defaults={"name": f"{category.code} {category.name}", **_policy_fields(basis, limits, ladder, max_ext)},
        )
        loaded += 1
    _out(
        stdout,
        f"SLA: calendar '{calendar.code}' with {len(SPRING_FESTIVAL_2027)} overrides, "
        f"{loaded} policies" + (f" (no category for: {', '.join(missing)})" if missing else ""),
    )
