"""Benchmark: the SLA sweep over 1,000,000 open cases of which 10,000 are due, on PostgreSQL.

Database: its own, `gridops_sweepbench` on 127.0.0.1:5432 (created and migrated if missing;
override with --database-url). Cases are loaded with COPY and their clocks with one
INSERT … SELECT, once; later runs reuse them and only reset the due rows.

Figures:
- `sweep_s`: `sla_sweep` claiming the 10,000 due clocks (`next_check_at <= now`, partial index),
  recording one escalation each (unique constraint, ON CONFLICT DO NOTHING RETURNING), one
  history entry each, the in-app/webhook notifications, and advancing `next_check_at`.
- `floor_update_s` (baseline): one SQL UPDATE setting the escalation level and `next_check_at`
  of the same 10,000 rows — what the bare state change costs without history or notifications.
- `idle_sweep_ms`: the sweep when nothing is due (median of 20), whatever the number of cases.
- `deliver_inapp_s` (reference): delivering the sweep's notifications in-process; in production the
  Celery worker does this after the sweep has committed, so it is not part of `sweep_s`.

The sweep publishes its delivery tasks to Redis (`--redis-url`, a database of its own), as in
production; the queue is purged afterwards.

Run: .venv/bin/python bench/sweep.py [--cases 1000000 --due 10000 --batch-size 500]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gridops_sweepbench"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--due", type=int, default=10_000)
    p.add_argument("--batch-size", type=int, default=500)
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="broker the sweep hands notifications to (as in production); its queue is purged after",
    )
    return p.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, redis_url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridops.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def fixtures():
    from apps.accounts.choices import Role
    from apps.accounts.models import Department, User
    from apps.cases.models import Category
    from apps.grid import services as grid
    from apps.grid.choices import AreaLevel
    from apps.grid.models import Area, Cell
    from apps.sla.models import SlaPolicy

    dept, _ = Department.objects.update_or_create(
        code="BENCH", defaults={"name": "环卫", "name_en": "Sanitation", "webhook_url": ""}
    )
    if not Area.objects.filter(code="B440300").exists():
        city = grid.area_create(code="B440300", name="深圳市", level=AreaLevel.CITY)
        district = grid.area_create(code="B440304", name="福田区", level=AreaLevel.DISTRICT, parent=city)
        sub = grid.area_create(code="B440304001", name="园岭街道", level=AreaLevel.SUBDISTRICT, parent=district)
        community = grid.area_create(code="B440304001001", name="红荔社区", level=AreaLevel.COMMUNITY, parent=sub)
        sq = {
            "type": "Polygon",
            "coordinates": [[[114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.51], [114.0, 22.5]]],
        }
        grid.cell_create(code="B440304001001001", name="网格1", area=community, geometry=sq)
    community = Area.objects.get(code="B440304001001")
    cell = Cell.objects.get(code="B440304001001001")
    boss, _ = User.objects.get_or_create(username="bench_boss", defaults={"role": Role.SUPERVISOR})
    handler, _ = User.objects.get_or_create(
        username="bench_handler", defaults={"role": Role.HANDLER, "department": dept, "reports_to": boss}
    )
    officer, _ = User.objects.get_or_create(username="bench_officer", defaults={"role": Role.OFFICER})
    category, _ = Category.objects.get_or_create(code="BENCH01", defaults={"name": "暴露垃圾", "kind": "event"})
    policy, _ = SlaPolicy.objects.get_or_create(category=category, priority="", defaults={"name": "bench"})
    return dept, community, cell, handler, officer, category, policy


def load_cases(n: int, dept, community, cell, handler, officer, category) -> None:
    """COPY n dispatched cases (skipped when they are already there)."""
    from django.db import connection

    from apps.cases.models import Case

    have = Case.objects.filter(tracking_code__startswith="SB").count()
    if have >= n:
        return
    from django.utils import timezone

    now = timezone.now()
    template = Case(
        tracking_code="",
        channel="hotline",
        category=category,
        priority="normal",
        description="bench",
        address="",
        lon=114.005,
        lat=22.505,
        cell=cell,
        area=community,
        area_path=community.path,
        responsible_officer=officer,
        state="dispatched",
        department=dept,
        assignee=handler,
        created_at=now,
        updated_at=now,
    )
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    values = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    code_at = columns.index("tracking_code")
    raw = connection.connection  # psycopg 3 connection
    t0 = time.perf_counter()
    with raw.cursor() as cur, cur.copy(f"COPY {Case._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        row = list(values)
        for i in range(have, n):
            row[code_at] = f"SB{i:010d}"
            copy.write_row(row)
    print(f"# loaded {n - have} cases in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def load_clocks(policy) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO sla_caseclock (case_id, policy_id, stage, stage_round, stage_started_at, basis,
                limit_seconds, extension_seconds, consumed_seconds, running_since, is_suspended, deadline, warn_at,
                escalate1_at, escalate2_at, escalate3_at, warned, escalation_level, next_check_at, updated_at)
            SELECT c.id, %s, 'handle', 1, now(), 'working', 25200, 0, 0, now(), false,
                   now() + interval '3 days', now() + interval '2 days', now() + interval '3 days',
                   now() + interval '4 days', now() + interval '5 days', false, 0, now() + interval '2 days', now()
            FROM cases_case c
            WHERE c.tracking_code LIKE 'SB%%'
            ON CONFLICT (case_id) DO NOTHING
        """,
            [policy.pk],
        )
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE sla_caseclock")


def make_due(due: int, now) -> list[int]:
    """Put `due` clocks (spread over the table) one minute past their deadline: warned, level-1 due."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM notify_notification WHERE case_id IN (SELECT case_id FROM sla_slaalert)")
        cur.execute("DELETE FROM cases_caseevent WHERE action IN ('sla_warning', 'sla_escalation')")
        cur.execute("DELETE FROM sla_slaalert")
        cur.execute(
            "UPDATE sla_caseclock SET warned = false, escalation_level = 0, "
            "next_check_at = now() + interval '2 days' WHERE next_check_at IS NULL OR next_check_at <= now() "
            "OR escalation_level > 0"
        )
        cur.execute("SELECT count(*) FROM sla_caseclock")
        total = cur.fetchone()[0]
        step = max(total // due, 1)
        cur.execute(
            """
            WITH picked AS (
                SELECT case_id FROM (SELECT case_id, row_number() OVER (ORDER BY case_id) AS rn FROM sla_caseclock) s
                WHERE rn %% %s = 0 LIMIT %s)
            UPDATE sla_caseclock k SET warned = true, deadline = %s - interval '1 minute',
                warn_at = %s - interval '2 hours', escalate1_at = %s - interval '1 minute',
                escalate2_at = %s + interval '4 hours', escalate3_at = %s + interval '1 day',
                next_check_at = %s - interval '1 minute'
            FROM picked WHERE k.case_id = picked.case_id
            RETURNING k.case_id
        """,
            [step, due, now, now, now, now, now, now],
        )
        ids = [r[0] for r in cur.fetchall()]
        cur.execute("ANALYZE sla_caseclock")
    return ids


def main() -> None:
    args = parse_args()
    ensure_database(args.database_url)
    setup_django(args.database_url, args.redis_url)
    from django.db import connection
    from django.utils import timezone

    from apps.sla.models import CaseClock
    from apps.sla.sweep import sla_sweep

    dept, community, cell, handler, officer, category, policy = fixtures()
    load_cases(args.cases, dept, community, cell, handler, officer, category)
    load_clocks(policy)
    open_cases = CaseClock.objects.count()
    now = timezone.now()

    # Baseline: one UPDATE of the same rows.
    ids = make_due(args.due, now)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE sla_caseclock SET escalation_level = 1, next_check_at = escalate2_at WHERE next_check_at <= %s",
            [now],
        )
        floor_rows = cur.rowcount
    floor_s = time.perf_counter() - t0

    ids = make_due(args.due, now)
    t0 = time.perf_counter()
    result = sla_sweep(now=now, batch_size=args.batch_size)
    sweep_s = time.perf_counter() - t0

    idle = []
    for _ in range(20):
        t0 = time.perf_counter()
        r = sla_sweep(now=now)
        idle.append((time.perf_counter() - t0) * 1000)
        assert r.escalations == 0 and r.warnings == 0
    # Delivery happens in the Celery worker in production; measured here in-process for reference.
    from apps.notify.models import Notification
    from apps.notify.services import notification_resend
    from gridops.celery import app

    app.control.purge()
    pending = Notification.objects.filter(status="pending").count()
    t0 = time.perf_counter()
    notification_resend(now=now + timedelta(days=1), batch_size=1000)
    deliver_s = time.perf_counter() - t0

    print(f"open_cases={open_cases}")
    print(f"due={len(ids)}")
    print(f"escalations={result.escalations}")
    print(f"warnings={result.warnings}")
    print(f"sweep_s={sweep_s:.2f}")
    print(f"floor_update_s={floor_s:.3f}")
    print(f"floor_rows={floor_rows}")
    print(f"idle_sweep_ms={statistics.median(idle):.2f}")
    print(f"notifications={pending}")
    print(f"deliver_inapp_s={deliver_s:.2f}")
    print(f"batch_size={args.batch_size}")


if __name__ == "__main__":
    main()
