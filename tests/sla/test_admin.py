"""Administrators edit policies, calendars and calendar days in the admin: a mistake is refused at
its field in the admin's language, and a change reaches the process's caches."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.sla.calendars import calendar_get
from apps.sla.models import BusinessCalendar, CalendarDay, ClockRequest, SlaPolicy

# A Monday without public-holiday data (chinesecalendar stops before 2027): a working day unless overridden.
MONDAY = date(2027, 1, 4)

POLICY = {
    "name": "new",
    "priority": "",
    "basis": "working",
    "register_amount": 1,
    "register_unit": "hours",
    "dispatch_amount": 1,
    "dispatch_unit": "hours",
    "handle_amount": 4,
    "handle_unit": "hours",
    "verify_amount": 1,
    "verify_unit": "days",
    "warning_percent": 80,
    "escalation1_minutes": 0,
    "escalation2_minutes": 120,
    "escalation3_minutes": 240,
    "max_extensions": 1,
    "is_active": "on",
}
CALENDAR = {
    "code": "night",
    "name": "Night shift",
    "work_periods": '[["09:00", "12:00"]]',
    "use_public_holidays": "on",
    "days-TOTAL_FORMS": "0",
    "days-INITIAL_FORMS": "0",
    "days-MIN_NUM_FORMS": "0",
    "days-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def field_errors(page) -> dict[str, list[str]]:
    """The errors of the admin form on a page that refused a save (a redirect means it saved)."""
    assert page.status_code == 200, page.status_code
    return {field: [str(e) for e in errors] for field, errors in page.context["adminform"].form.errors.items()}


def post_policy(client, lang="en", **changes):
    return client.post("/admin/sla/slapolicy/add/", {**POLICY, **changes}, HTTP_ACCEPT_LANGUAGE=lang)


def post_calendar(client, lang="en", **changes):
    return client.post("/admin/sla/businesscalendar/add/", {**CALENDAR, **changes}, HTTP_ACCEPT_LANGUAGE=lang)


# ---------------------------------------------------------------- policies


@pytest.mark.parametrize("stage", ["register", "dispatch", "handle", "verify"])
def test_a_zero_time_limit_is_refused_at_its_field(admin_client, category, stage):
    """Zero would make every case of the category overdue, and escalated, the moment the stage starts."""
    errors = field_errors(post_policy(admin_client, category=category.pk, **{f"{stage}_amount": 0}))
    assert errors == {f"{stage}_amount": ["A time limit must be at least 1."]}
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize(
    "stage,amount,unit,message",
    [
        ("handle", 3600000, "hours", "The handle limit can be at most 2555 hours"),
        ("register", 366, "days", "The register limit can be at most 365 days"),
        ("dispatch", 153301, "minutes", "The dispatch limit can be at most 153300 minutes"),
        ("verify", 2556, "hours", "The verify limit can be at most 2555 hours"),
    ],
)
def test_a_time_limit_longer_than_a_year_is_refused_at_its_field(
    admin_client, calendar, category, stage, amount, unit, message
):
    """A typo (3600000 hours) would make the stage never overdue. Working time: 365 working days of
    the calendar (7 h a day here)."""
    page = post_policy(admin_client, category=category.pk, **{f"{stage}_amount": amount, f"{stage}_unit": unit})
    assert field_errors(page) == {f"{stage}_amount": [f"{message}: 365 working days on the policy's calendar."]}
    assert not SlaPolicy.objects.exists()


@pytest.mark.parametrize("amount,unit", [(365, "days"), (2555, "hours"), (153300, "minutes")])
def test_a_time_limit_of_a_year_is_accepted(admin_client, calendar, category, amount, unit):
    assert post_policy(admin_client, category=category.pk, handle_amount=amount, handle_unit=unit).status_code == 302


def test_the_bound_of_a_limit_around_the_clock_is_365_full_days(admin_client, category):
    page = post_policy(admin_client, category=category.pk, basis="clock", handle_amount=8761, handle_unit="hours")
    assert field_errors(page) == {
        "handle_amount": ["The handle limit can be at most 8760 hours: 365 days around the clock."]
    }
    assert post_policy(admin_client, category=category.pk, basis="clock", handle_amount=8760).status_code == 302


def test_the_bound_follows_the_working_hours_of_the_policys_calendar(admin_client, category):
    long_days = BusinessCalendar.objects.create(code="long", name="Long", work_periods=[["08:00", "20:00"]])
    page = post_policy(
        admin_client, category=category.pk, calendar=long_days.pk, handle_amount=4381, handle_unit="hours"
    )
    assert field_errors(page) == {
        "handle_amount": ["The handle limit can be at most 4380 hours: 365 working days on the policy's calendar."]
    }


def test_a_same_day_limit_has_no_amount_to_bound(admin_client, category):
    page = post_policy(admin_client, category=category.pk, register_amount=3600000, register_unit="same_day")
    assert page.status_code == 302


def test_an_escalation_later_than_a_year_after_the_deadline_is_refused_at_its_level(admin_client, category):
    page = post_policy(admin_client, category=category.pk, escalation3_minutes=153301)
    assert field_errors(page) == {
        "escalation3_minutes": [
            "Escalation level 3 can come at most 153300 minutes after the deadline: "
            "365 working days on the policy's calendar."
        ]
    }
    page = post_policy(admin_client, category=category.pk, escalation2_minutes=9000000, escalation3_minutes=9000000)
    assert set(field_errors(page)) == {"escalation2_minutes", "escalation3_minutes"}


@pytest.mark.parametrize("percent", [0, 101, 150])
def test_a_warning_point_outside_1_to_100_percent_is_refused_at_its_field(admin_client, category, percent):
    errors = field_errors(post_policy(admin_client, "zh-hans", category=category.pk, warning_percent=percent))
    assert errors == {"warning_percent": ["预警点是占时限的百分比，应在 1 到 100 之间。"]}


def test_a_warning_at_100_percent_is_accepted(admin_client, category):
    assert post_policy(admin_client, category=category.pk, warning_percent=100).status_code == 302


@pytest.mark.parametrize(
    "delays,field",
    [((300, 120, 240), "escalation2_minutes"), ((0, 120, 60), "escalation3_minutes")],
)
def test_escalation_levels_out_of_order_are_refused_at_the_level_out_of_place(admin_client, category, delays, field):
    changes = dict(zip(["escalation1_minutes", "escalation2_minutes", "escalation3_minutes"], delays, strict=True))
    errors = field_errors(post_policy(admin_client, category=category.pk, **changes))
    assert errors == {field: ["Escalation levels must come one after the other."]}


def test_a_priority_no_case_has_is_refused_and_the_form_offers_the_priorities(admin_client, category):
    """A policy for "Urgent" (cases say "urgent") would never apply."""
    errors = field_errors(post_policy(admin_client, category=category.pk, priority="Urgent"))
    assert errors == {"priority": ["Choose a priority of cases, or leave it empty for any priority."]}
    form = admin_client.get("/admin/sla/slapolicy/add/").context["adminform"].form
    assert [value for value, _ in form.fields["priority"].widget.choices] == ["", "urgent", "high", "normal", "low"]
    assert post_policy(admin_client, category=category.pk, priority="urgent").status_code == 302


def test_a_second_policy_for_the_same_category_and_priority_is_refused(admin_client, policy, category):
    page = post_policy(admin_client, category=category.pk)
    assert field_errors(page) == {"__all__": ["SLA policy with this Category and Priority already exists."]}


def test_a_second_default_policy_for_a_priority_is_refused_at_the_category(admin_client, db):
    SlaPolicy.objects.create(name="Default", priority="urgent")
    errors = field_errors(post_policy(admin_client, "zh-hans", priority="urgent"))
    assert errors == {"category": ["“Default” 已是该优先级的默认时限策略（未指定类别）：请选择类别。"]}
    assert post_policy(admin_client, priority="").status_code == 302  # another priority: its own default


# ---------------------------------------------------------------- calendars


@pytest.mark.parametrize(
    "periods,message",
    [
        (
            '"9-12"',
            'Write the working periods as a list of pairs of times, e.g. [["09:00", "12:00"], ["14:00", "18:00"]].',
        ),
        (
            '[["9-12"]]',
            'Write the working periods as a list of pairs of times, e.g. [["09:00", "12:00"], ["14:00", "18:00"]].',
        ),
        ('[["09:00", "25:00"]]', '"25:00" is not a time of day: write times as "HH:MM", from "00:00" to "24:00".'),
        ('[["9", "12"]]', '"9" is not a time of day: write times as "HH:MM", from "00:00" to "24:00".'),
        ("[[9, 12]]", '9 is not a time of day: write times as "HH:MM", from "00:00" to "24:00".'),
        ('[["09:00", null]]', 'null is not a time of day: write times as "HH:MM", from "00:00" to "24:00".'),
        ('[["12:00", "09:00"]]', "The working period 12:00–09:00 must end after it starts."),
        (
            '[["09:00", "12:00"], ["11:00", "14:00"]]',
            "The working period 11:00–14:00 overlaps the one before it: list the periods in order.",
        ),
        ("", "This field is required."),
    ],
)
def test_badly_written_working_periods_are_refused_at_the_field(admin_client, calendar, periods, message):
    assert field_errors(post_calendar(admin_client, work_periods=periods)) == {"work_periods": [message]}
    assert BusinessCalendar.objects.count() == 1


def test_working_period_errors_are_in_chinese(admin_client, calendar):
    errors = field_errors(post_calendar(admin_client, "zh-hans", work_periods='[["09:00", "25:00"]]'))
    assert errors == {"work_periods": ['"25:00" 不是一天中的时刻：请按 "HH:MM" 填写，范围为 "00:00" 到 "24:00"。']}


def test_a_working_day_round_the_clock_is_accepted(admin_client, calendar):
    assert post_calendar(admin_client, work_periods='[["00:00", "24:00"]]').status_code == 302


def test_a_second_default_calendar_is_refused_at_the_field(admin_client, calendar):
    errors = field_errors(post_calendar(admin_client, is_default="on"))
    assert errors == {"is_default": ["“Standard” is already the default calendar: untick it there first."]}


def test_the_default_calendar_is_kept_while_policies_count_on_it(admin_client, calendar, policy):
    """A policy without a calendar of its own counts in the default one: deleted, its cases would
    count in the built-in calendar, without the days entered here."""
    page = admin_client.post(f"/admin/sla/businesscalendar/{calendar.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200 and page.context["protected"]
    page = admin_client.post(
        "/admin/sla/businesscalendar/",
        {"action": "delete_selected", "_selected_action": [calendar.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert page.status_code == 200
    assert page.context["protected"] == ["SLA policy: garbage (no calendar of its own: uses the default calendar)"]
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    policy.calendar = BusinessCalendar.objects.create(code="own", name="Own")
    policy.save()
    assert admin_client.post(f"/admin/sla/businesscalendar/{calendar.pk}/delete/", {"post": "yes"}).status_code == 302


def test_a_calendar_a_policy_names_is_kept(admin_client, calendar, policy):
    other = BusinessCalendar.objects.create(code="own", name="Own")
    SlaPolicy.objects.filter(pk=policy.pk).update(calendar=other)
    page = admin_client.post(f"/admin/sla/businesscalendar/{other.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200 and page.context["protected"]
    assert BusinessCalendar.objects.filter(pk=other.pk).exists()


# ---------------------------------------------------------------- calendar days and the caches


def test_a_second_override_of_the_same_day_is_refused(admin_client, calendar):
    CalendarDay.objects.create(calendar=calendar, date=MONDAY, is_workday=False)
    page = admin_client.post(
        "/admin/sla/calendarday/add/",
        {"calendar": calendar.pk, "date": MONDAY.isoformat(), "note": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert field_errors(page) == {"__all__": ["Calendar day with this Calendar and Date already exists."]}


def test_days_deleted_in_bulk_reach_the_calendars_in_use(admin_client, calendar):
    day = CalendarDay.objects.create(calendar=calendar, date=MONDAY, is_workday=False)
    assert not calendar_get().is_workday(MONDAY)
    page = admin_client.post(
        "/admin/sla/calendarday/", {"action": "delete_selected", "_selected_action": [day.pk], "post": "yes"}
    )
    assert page.status_code == 302 and not CalendarDay.objects.exists()
    assert calendar_get().is_workday(MONDAY)


def test_a_day_moved_to_another_calendar_leaves_the_first_one(admin_client, calendar):
    other = BusinessCalendar.objects.create(code="other", name="Other")
    day = CalendarDay.objects.create(calendar=calendar, date=MONDAY, is_workday=False)
    assert not calendar_get().is_workday(MONDAY)
    page = admin_client.post(
        f"/admin/sla/calendarday/{day.pk}/change/", {"calendar": other.pk, "date": MONDAY.isoformat(), "note": ""}
    )
    assert page.status_code == 302
    assert calendar_get().is_workday(MONDAY)
    assert not calendar_get(calendar_id=other.pk).is_workday(MONDAY)


def test_a_policy_saved_in_the_admin_applies_to_the_next_case_at_once(admin_client, policy, category):
    from apps.sla.services import policy_for

    assert policy_for(category=category, priority="normal").handle_amount == 4
    page = admin_client.post(
        f"/admin/sla/slapolicy/{policy.pk}/change/",
        {**POLICY, "name": "garbage", "category": category.pk, "handle_amount": 2},
    )
    assert page.status_code == 302
    assert policy_for(category=category, priority="normal").handle_amount == 2


# ---------------------------------------------------------------- lists


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _add_rows(cast, case, numbers: range) -> None:
    from apps.cases.models import Category

    for i in numbers:
        calendar = BusinessCalendar.objects.create(code=f"c{i}", name=f"c{i}")
        category = Category.objects.create(code=f"Q{i}", name=f"q{i}", kind="event")
        SlaPolicy.objects.create(name=f"p{i}", category=category, calendar=calendar)
        CalendarDay.objects.create(calendar=calendar, date=MONDAY, is_workday=False)
        ClockRequest.objects.create(
            case=case,
            kind="extension",
            stage="handle",
            stage_round=1,
            status="approved",
            reason="r",
            amount=1,
            unit="hours",
            requested_by=cast.handler_x,
            requested_at=timezone.now(),
            decided_by=[cast.supervisor_d, cast.admin][i % 2],
            decided_at=timezone.now(),
        )


@pytest.mark.parametrize("page", ["slapolicy", "businesscalendar", "calendarday", "clockrequest"])
def test_admin_lists_run_the_same_queries_for_many_rows(admin_client, cast, dispatched_case, page):
    case = dispatched_case()
    _add_rows(cast, case, range(2))
    few = _queries(admin_client, f"/admin/sla/{page}/")
    _add_rows(cast, case, range(2, 22))
    assert _queries(admin_client, f"/admin/sla/{page}/") == few
