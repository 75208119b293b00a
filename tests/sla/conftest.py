"""SLA fixtures: a category with a policy in working time, cases taken in through the workflow."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.cases.models import Case, Category
from apps.cases.services import case_intake, case_transition
from apps.sla.calendars import cache_clear, calendar_get
from apps.sla.models import BusinessCalendar, CaseClock, SlaPolicy
from apps.sla.services import _schedule
from apps.sla.worktime import TZ
from tests.conftest import LAT_A, LON_A


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    cache_clear()
    yield
    cache_clear()


@pytest.fixture
def calendar(db) -> BusinessCalendar:
    return BusinessCalendar.objects.create(code="std", name="Standard", is_default=True)


@pytest.fixture
def category(city) -> Category:
    return Category.objects.create(
        code="T01", name="暴露垃圾", name_en="Exposed garbage", kind="event", default_department=city.dept_x
    )


@pytest.fixture
def policy(category, calendar) -> SlaPolicy:
    """Register 1 h, dispatch 1 h, handle 4 h (working); warn at 80%; ladder 0 / 2 h / 4 h after the deadline."""
    return SlaPolicy.objects.create(
        name="garbage",
        category=category,
        basis="working",
        register_amount=1,
        register_unit="hours",
        dispatch_amount=1,
        dispatch_unit="hours",
        handle_amount=4,
        handle_unit="hours",
        verify_amount=1,
        verify_unit="days",
        warning_percent=80,
        escalation1_minutes=0,
        escalation2_minutes=120,
        escalation3_minutes=240,
        max_extensions=1,
    )


@pytest.fixture
def make_case(cast, category):
    # The cast's cell assignments start "now"; the tests' cases happen in 2026-2027, so backdate them.
    from apps.grid.models import CellAssignment

    CellAssignment.objects.update(valid_from=local(2020, 1, 1))

    def make(at: datetime, **kw):
        return case_intake(
            actor=cast.hotline,
            channel="hotline",
            category=kw.pop("category", category),
            description="垃圾堆在路边",
            lon=LON_A + 0.005,
            lat=LAT_A + 0.005,
            at=at,
            **kw,
        )

    return make


@pytest.fixture
def dispatched_case(make_case, cast, city, policy):
    """A case dispatched to department X at Monday 2026-11-23 09:00 (handle deadline 15:00, warning 14:12)."""

    def make(at: datetime | None = None):
        at = at or local(2026, 11, 23, 9, 0)
        case = make_case(at)
        case_transition(case=case, actor=cast.dispatcher, action="register", at=at)
        case_transition(
            case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, assignee=cast.handler_x, at=at
        )
        return case

    return make


def bulk_dispatched_cases(category, city, n: int, *, prefix: str, at: datetime) -> list[Case]:
    """n cases dispatched to department X, written in bulk without the workflow (no clock, no history)."""
    return Case.objects.bulk_create(
        [
            Case(
                tracking_code=f"{prefix}{i:08d}",
                channel="hotline",
                category=category,
                description=prefix.lower(),
                lon=114.005,
                lat=22.505,
                cell=city.cell_a,
                area=city.community_d,
                area_path=city.community_d.path,
                state="dispatched",
                department=city.dept_x,
                created_at=at,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def make_running_clocks(category, city, policy, n: int, at: datetime | None = None) -> list[int]:
    """n dispatched cases (bulk, without the workflow) in their handle stage since `at` (Monday
    2026-11-23 16:00), 4 working hours, scheduled on the default calendar as it is now."""
    at = at or local(2026, 11, 23, 16, 0)
    cases = bulk_dispatched_cases(category, city, n, prefix="RS", at=at)
    keeper = calendar_get()
    clocks = []
    for case in cases:
        clock = CaseClock(
            case=case, policy=policy, stage="handle", stage_round=1, stage_started_at=at, running_since=at
        )
        clock.limit_seconds = 4 * 3600
        _schedule(clock, keeper, policy)
        clocks.append(clock)
    CaseClock.objects.bulk_create(clocks, batch_size=1000)
    return [c.pk for c in cases]
