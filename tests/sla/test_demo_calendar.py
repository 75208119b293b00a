"""The demo's calendar and policies: loaded from the database, overrides win, policies by category code."""

from __future__ import annotations

from datetime import date

from apps.demo import categories as demo_categories
from apps.demo import sla as demo_sla
from apps.sla.calendars import calendar_get, calendar_touch
from apps.sla.models import BusinessCalendar, CalendarDay, SlaPolicy
from apps.sla.services import policy_for

from .conftest import local

H = 3600


def test_demo_loads_calendar_and_policies_by_code(db):
    demo_categories.load()
    demo_sla.load()
    demo_sla.load()  # idempotent
    from apps.cases.models import Category

    garbage = Category.objects.get(code="E0101")
    assert policy_for(category=garbage, priority="normal").handle_amount == 4
    fire = Category.objects.get(code="E0501")  # a child of E05 emergencies: inherits its clock-time policy
    assert policy_for(category=fire, priority="urgent").basis == "clock"
    manhole = Category.objects.get(code="C0101")  # urgent, no own policy: the urgent default
    assert policy_for(category=manhole, priority="urgent").name.startswith("紧急默认")
    assert SlaPolicy.objects.filter(category__code__in=[c for c, *_ in demo_sla.POLICIES]).count() == len(
        demo_sla.POLICIES
    )


def test_spring_festival_2027_through_the_database_calendar(db):
    demo_sla.load()
    cal = calendar_get()
    assert not cal.is_workday(date(2027, 2, 10))
    assert cal.add(local(2027, 2, 5, 17, 0), 2 * H) == local(2027, 2, 15, 10, 0)


def test_an_admin_override_is_seen_on_the_next_lookup(db):
    demo_sla.load()
    calendar = BusinessCalendar.objects.get(code="std")
    assert calendar_get().is_workday(date(2026, 12, 31))
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 12, 31), is_workday=False, note="本地决定")
    calendar_touch(calendar_id=calendar.pk)
    assert not calendar_get().is_workday(date(2026, 12, 31))


def test_a_coming_year_without_holiday_data_is_announced_to_administrators(calendar, client, cast, time_machine):
    """chinesecalendar 1.11 knows 2004-2026: from October 2026 the administrator is told to enter
    2027's holidays (or upgrade the package); the others are not bothered."""
    from datetime import date

    from apps.sla.calendars import holiday_data_gaps
    from apps.sla.models import CalendarDay

    assert holiday_data_gaps(today=date(2026, 6, 1)) == []
    CalendarDay.objects.create(calendar=calendar, date=date(2027, 2, 8), is_workday=False, note="春节")
    assert holiday_data_gaps(today=date(2026, 11, 29)) == [{"year": 2027, "overrides": 1}]

    time_machine.move_to("2026-11-29T10:00:00+08:00", tick=False)
    from apps.accounts.models import User

    admin = User.objects.create_superuser(username="root", password="x", role="admin")
    client.force_login(admin)
    for path in ("/work/", "/admin/sla/calendarday/"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "no public-holiday data for 2027" in page, path
    client.force_login(cast.dispatcher)
    assert "public-holiday data" not in client.get("/work/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
