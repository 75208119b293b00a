"""Two sweeps racing over thousands of due cases on PostgreSQL: every alert exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from apps.cases.models import CaseEvent
from apps.sla.models import CaseClock, SlaAlert
from apps.sla.sweep import SweepResult, sla_sweep

from .conftest import bulk_dispatched_cases

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks (SKIP LOCKED); SQLite has none"),
]

N = 2000


def make_due_cases(category, city, n: int, now) -> None:
    """n open cases whose warning and three escalation points are all in the past."""
    cases = bulk_dispatched_cases(category, city, n, prefix="RACE", at=now - timedelta(days=2))
    t = now - timedelta(hours=10)
    CaseClock.objects.bulk_create(
        [
            CaseClock(
                case=c,
                stage="handle",
                stage_round=1,
                stage_started_at=t,
                running_since=t,
                limit_seconds=3600,
                deadline=t + timedelta(hours=1),
                warn_at=t + timedelta(minutes=48),
                escalate1_at=t + timedelta(hours=1),
                escalate2_at=t + timedelta(hours=2),
                escalate3_at=t + timedelta(hours=3),
                next_check_at=t + timedelta(minutes=48),
            )
            for c in cases
        ],
        batch_size=1000,
    )


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_fire_every_alert_exactly_once(cast, city, category, policy):
    now = timezone.now()
    make_due_cases(category, city, N, now)
    barrier = threading.Barrier(2)
    results: list[SweepResult] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            results.append(sla_sweep(now=now, batch_size=100))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sum(r.warnings for r in results) == N
    assert sum(r.escalations for r in results) == 3 * N
    assert SlaAlert.objects.count() == 4 * N
    assert CaseEvent.objects.filter(action__in=["sla_warning", "sla_escalation"]).count() == 4 * N
    assert all(r.checked > 0 for r in results), "both workers should have claimed work (SKIP LOCKED)"
    assert not CaseClock.objects.filter(next_check_at__lte=now).exists()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT case_id, stage_round, kind, level, count(*) FROM sla_slaalert "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
        )
        assert cur.fetchall() == []
    # and a third sweep afterwards finds nothing
    assert str(sla_sweep(now=now)) == "0 warnings, 0 escalations"
