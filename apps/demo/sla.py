"""Demo data: the business calendar and SLA policies in the style of real city rules.

Calendar: working hours 09:00–12:00 and 14:00–18:00; China's public holidays from the
`chinesecalendar` library (2004–2026 in the installed version). For 2027, which the library
does not know yet, overrides follow the State Council's usual Spring Festival pattern: New
Year's Day of the Year of the Goat is Saturday 6 February 2027, so the demo takes Saturday
6 – Friday 12 February off (seven days, five of them weekdays) and makes Saturday 20 February
a working day (调休). This is a placeholder until the State Council publishes the 2027
schedule: replace it in the admin (Business calendars → Standard → days) when it does.

Policies are keyed by category code, looked up by Chinese name when the code differs:
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
    *[(date(2027, 2, 6) + timedelta(days=n), False, "春节 2027 (placeholder pending the State Council notice)")
      for n in range(7)],
    (date(2027, 2, 20), True, "春节调休上班 2027 (placeholder pending the State Council notice)"),
]

_W, _C = "working", "clock"
# names (Chinese, first match wins), basis, (register, dispatch, handle, verify) as (amount, unit), ladder minutes
POLICIES: list[tuple[tuple[str, ...], str, tuple, tuple[int, int, int], int]] = [
    (("暴露垃圾",), _W, ((30, "minutes"), (30, "minutes"), (4, "hours"), (2, "hours")), (0, 120, 240), 1),
    (("道路不洁",), _W, ((30, "minutes"), (30, "minutes"), (2, "hours"), (2, "hours")), (0, 120, 240), 1),
    (("绿地养护",), _W, ((1, "hours"), (2, "hours"), (5, "days"), (1, "days")), (0, 420, 840), 2),
    (("违法建设",), _W, ((2, "hours"), (1, "days"), (15, "days"), (2, "days")), (0, 840, 2100), 2),
    (("紧急诉求", "紧急求助", "热线紧急"), _W, ((30, "minutes"), (30, "minutes"), (1, "same_day"), (1, "days")),
     (0, 60, 120), 0),
    (("咨询", "热线咨询"), _W, ((1, "hours"), (2, "hours"), (3, "days"), (1, "days")), (0, 420, 840), 1),
    (("求助", "热线求助"), _W, ((1, "hours"), (2, "hours"), (3, "days"), (1, "days")), (0, 420, 840), 1),
    (("投诉", "热线投诉"), _W, ((1, "hours"), (4, "hours"), (13, "days"), (2, "days")), (0, 840, 2100), 2),
    (("举报", "热线举报"), _W, ((1, "hours"), (4, "hours"), (13, "days"), (2, "days")), (0, 840, 2100), 2),
    (("城市内涝", "道路积水", "井盖缺失", "燃气泄漏", "突发事件"), _C,
     ((15, "minutes"), (15, "minutes"), (2, "hours"), (2, "hours")), (0, 30, 60), 0),
]


def _out(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _policy_fields(basis, limits, ladder, max_ext) -> dict:
    fields = {"basis": basis, "max_extensions": max_ext, "warning_percent": 80,
              "escalation1_minutes": ladder[0], "escalation2_minutes": ladder[1], "escalation3_minutes": ladder[2]}
    for stage, (amount, unit) in zip(("register", "dispatch", "handle", "verify"), limits, strict=True):
        fields[f"{stage}_amount"], fields[f"{stage}_unit"] = amount, unit
    return fields


@transaction.atomic
def load(*, stdout=None) -> None:
    """Load the standard calendar (with the 2027 Spring Festival overrides) and the SLA policies."""
    calendar, _ = BusinessCalendar.objects.update_or_create(
        code="std", defaults={"name": "标准工作日历 / Standard", "is_default": True,
                              "work_periods": [["09:00", "12:00"], ["14:00", "18:00"]]})
    for day, is_workday, note in SPRING_FESTIVAL_2027:
        CalendarDay.objects.update_or_create(calendar=calendar, date=day,
                                             defaults={"is_workday": is_workday, "note": note})
    calendar_touch(calendar_id=calendar.pk)
    SlaPolicy.objects.update_or_create(
        category=None, priority="",
        defaults={"name": "默认 / Default", **_policy_fields(
            _W, ((1, "hours"), (2, "hours"), (5, "days"), (1, "days")), (0, 420, 840), 1)},
    )
    by_name = {c.name: c for c in Category.objects.all()}
    loaded, missing = 0, []
    for names, basis, limits, ladder, max_ext in POLICIES:
        category = next((by_name[n] for n in names if n in by_name), None)
        if category is None:
            missing.append(names[0])
            continue
        SlaPolicy.objects.update_or_create(
            category=category, priority="",
            defaults={"name": category.name, **_policy_fields(basis, limits, ladder, max_ext)},
        )
        loaded += 1
    _out(stdout, f"SLA: calendar '{calendar.code}' with {len(SPRING_FESTIVAL_2027)} overrides, "
                 f"{loaded + 1} policies" + (f" (no category for: {', '.join(missing)})" if missing else ""))
