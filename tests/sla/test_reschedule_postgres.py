"""Two recomputations of a changed calendar and a sweep racing over thousands of running clocks on
PostgreSQL: every clock moves once, every alert fires once, nobody deadlocks."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.conf import settings
from django.db import connection, connections

from apps.sla.models import CalendarDay, CaseClock, SlaAlert
from apps.sla.reschedule import RescheduleResult, clocks_reschedule
from apps.sla.sweep import SweepResult, sla_sweep

from .conftest import local, make_running_clocks

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks across connections"),
]

N = 2000


@pytest.mark.django_db(transaction=True)
def test_two_reschedules_and_a_sweep_at_once_move_each_clock_once_and_alert_once(
    cast, city, category, calendar, policy
):
    """Handle stages since Monday 09:00, due 15:00, warned at 14:12. At 14:30 Monday is declared a
    typhoon day while a sweep is firing the warnings: whichever reaches a clock first, it ends up
    due Tuesday 15:00, warned at most once, and the warning is due again only if it was not given."""
    make_running_clocks(category, city, policy, N, at=local(2026, 11, 23, 9, 0))
    CalendarDay.objects.bulk_create([CalendarDay(calendar=calendar, date=date(2026, 11, 23), is_workday=False)])
    now = local(2026, 11, 23, 14, 30)
    barrier = threading.Barrier(3)
    results: list[RescheduleResult | SweepResult] = []
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    jobs = [
        lambda: clocks_reschedule(calendar_id=calendar.pk, batch_size=100),
        lambda: clocks_reschedule(calendar_id=calendar.pk, batch_size=100),
        lambda: sla_sweep(now=now, batch_size=100),
    ]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    moved = sum(r.moved for r in results if isinstance(r, RescheduleResult))
    warnings = sum(r.warnings for r in results if isinstance(r, SweepResult))
    assert moved == N, results
    assert set(CaseClock.objects.values_list("deadline", flat=True)) == {local(2026, 11, 24, 15, 0)}
    assert CaseClock.objects.filter(warned=True).count() == warnings == SlaAlert.objects.count()
    assert not CaseClock.objects.filter(warned=True).exclude(next_check_at=local(2026, 11, 24, 15, 0)).exists()
    assert not CaseClock.objects.filter(warned=False).exclude(next_check_at=local(2026, 11, 24, 14, 12)).exists()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT case_id, stage_round, kind, level, count(*) FROM sla_slaalert "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
        )
        assert cur.fetchall() == []
    # and once more afterwards: nothing moves, nothing is due on Monday any more
    assert clocks_reschedule(calendar_id=calendar.pk).moved == 0
    assert str(sla_sweep(now=now)) == "0 warnings, 0 escalations"
