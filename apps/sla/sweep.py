"""The SLA sweep: fire every warning and escalation that is due, exactly once.

Only clocks whose `next_check_at <= now` are read (partial index). Each batch runs in its own
transaction; on PostgreSQL it claims its rows with `SELECT … FOR UPDATE SKIP LOCKED`, so
several workers share the work without waiting on each other. Alerts are inserted with
`ON CONFLICT DO NOTHING RETURNING`, under the unique constraint (case, stage round, kind,
level): only the rows this sweep actually inserted get a history entry and notifications,
so two sweeps racing on the same case cannot alert twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import User
from gridops.db import rows_update

from .choices import MAX_ESCALATION_LEVEL, AlertKind
from .models import CaseClock, SlaAlert
from .services import clock_next_check


@dataclass
class SweepResult:
    checked: int = 0
    warnings: int = 0
    escalations: int = 0
    by_level: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def __str__(self) -> str:
        return f"{self.warnings} warnings, {self.escalations} escalations"


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            qs = CaseClock.objects.filter(next_check_at__lte=now).order_by("next_check_at").select_related("case")
            if settings.IS_POSTGRES:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            clocks = list(qs[:batch_size])
            if not clocks:
                break
            _process(clocks, now, result)
        if len(clocks) < batch_size:
            break
    return result


def _process(clocks: list[CaseClock], now: datetime, result: SweepResult) -> None:
    wanted: list[tuple[CaseClock, str, int, datetime]] = []
    for clock in clocks:
        result.checked += 1
        if clock.stage and not clock.is_suspended and clock.running_since is not None:
            if not clock.warned and clock.warn_at and clock.warn_at <= now:
                wanted.append((clock, AlertKind.WARNING, 0, clock.warn_at))
                clock.warned = True
            for level in range(clock.escalation_level + 1, MAX_ESCALATION_LEVEL + 1):
                due = getattr(clock, f"escalate{level}_at")
                # Only once the instant has passed: at exactly the deadline a stage is still on time.
                if due and due < now:
                    wanted.append((clock, AlertKind.ESCALATION, level, due))
                    clock.escalation_level = level
                    clock.warned = True
        clock.next_check_at = clock_next_check(clock)
    inserted = _insert_alerts(wanted, now)
    rows_update(clocks, ["warned", "escalation_level", "next_check_at"])  # one UPDATE for the batch
    fired = [w for w in wanted if (w[0].case_id, w[0].stage_round, w[1], w[2]) in inserted]
    if not fired:
        return
    for _clock, kind, level, _due in fired:
        if kind == AlertKind.WARNING:
            result.warnings += 1
        else:
            result.escalations += 1
            result.by_level[level] += 1
    _announce(fired, now)


def _insert_alerts(wanted, now: datetime) -> set[tuple[int, int, str, int]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the keys that were new (PostgreSQL and SQLite ≥ 3.35)."""
    if not wanted:
        return set()
    table = connection.ops.quote_name(SlaAlert._meta.db_table)
    rows = []
    params: list = []
    for clock, kind, level, due in wanted:
        rows.append("(%s, %s, %s, %s, %s, %s, %s)")
        params += [clock.case_id, clock.stage, clock.stage_round, kind, level, due, now]
    sql = (
        f"INSERT INTO {table} (case_id, stage, stage_round, kind, level, due_at, created_at) "
        f"VALUES {', '.join(rows)} ON CONFLICT DO NOTHING RETURNING case_id, stage_round, kind, level"
    )
    # Let the backend adapt aware datetimes (UTC on SQLite, timestamptz on PostgreSQL).
    params = [connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(r[0], r[1], r[2], r[3]) for r in cursor.fetchall()}


def _announce(fired, now: datetime) -> None:
    """History entry per alert, then notifications to the people of the ladder (constant queries per batch)."""
    from apps.notify.services import notifications_create

    recipients = _ladder(fired, now)
    events = _record_events(fired, now)
    items = []
    for (clock, kind, level, _due), event in zip(fired, events, strict=True):
        case = clock.case
        items.append(
            {
                "case": case,
                "event": event,
                "key": event.action,
                "level": level,
                "user_ids": recipients[(case.pk, kind, level)],
                "department_id": case.department_id,
                "params": {
                    "code": case.tracking_code,
                    "stage": clock.stage,
                    "level": level,
                    "deadline": clock.deadline.isoformat() if clock.deadline else "",
                },
            }
        )
    notifications_create(items=items, at=now)


def _record_events(fired, now: datetime):
    """The alerts' entries in the case history, in one INSERT per batch.

    Same rows as `apps.cases.services.case_event_record` writes one by one (no actor: the
    system), appended with bulk_create because a sweep may record thousands at once.
    """
    from apps.cases.models import CaseEvent

    rows = []
    for clock, kind, level, _due in fired:
        case = clock.case
        rows.append(
            CaseEvent(
                case_id=case.pk,
                actor=None,
                actor_role="",
                action="sla_warning" if kind == AlertKind.WARNING else "sla_escalation",
                from_state=case.state,
                to_state=case.state,
                note="",
                data={
                    "stage": clock.stage,
                    "round": clock.stage_round,
                    "level": level,
                    "deadline": clock.deadline.isoformat() if clock.deadline else None,
                },
                created_at=now,
            )
        )
    return CaseEvent.objects.bulk_create(rows, batch_size=1000)


def _ladder(fired, now: datetime) -> dict[tuple[int, str, int], set[int]]:
    """Who hears of each alert.

    warning: the assignee and the officer answering for the case's cell now (not the one of the
    report's day: cells change hands, officers go on leave); level 1: also the assignee's
    supervisor (`reports_to`, else the officer's); level 2: the supervisors of the case's
    subdistrict; level 3: the district's supervisors and the dispatchers of the command center.
    """
    from apps.grid.models import AreaUserObjectPermission
    from apps.grid.selectors import cells_responsible_officer_ids

    cases = [c.case for c, *_ in fired]
    officer_of_cell = cells_responsible_officer_ids(cell_ids=[c.cell_id for c in cases if c.cell_id], at=now)

    def officer(case) -> int | None:
        return officer_of_cell.get(case.cell_id) if case.cell_id else case.responsible_officer_id

    people = {c.assignee_id for c in cases} | {officer(c) for c in cases}
    people.discard(None)
    boss = dict(User.objects.filter(pk__in=people, reports_to__isnull=False).values_list("pk", "reports_to_id"))
    codes_by_level: dict[int, set[str]] = {2: set(), 3: set()}
    levels = {lvl for _c, kind, lvl, _d in fired if kind == AlertKind.ESCALATION}
    for case in cases:
        segments = [s for s in (case.area_path or "").split("/") if s]
        if len(segments) > 2:
            codes_by_level[2].add(segments[2])
        if len(segments) > 1:
            codes_by_level[3].add(segments[1])
    supervisors: dict[str, set[int]] = defaultdict(set)
    wanted_codes = (codes_by_level[2] if 2 in levels else set()) | (codes_by_level[3] if 3 in levels else set())
    if wanted_codes:
        for user_id, code in AreaUserObjectPermission.objects.filter(
            permission__codename="supervise_area", content_object__code__in=wanted_codes, user__is_active=True
        ).values_list("user_id", "content_object__code"):
            supervisors[code].add(user_id)
    dispatchers = (
        set(User.objects.filter(role=Role.DISPATCHER, is_active=True).values_list("pk", flat=True))
        if 3 in levels
        else set()
    )

    out: dict[tuple[int, str, int], set[int]] = {}
    for clock, kind, level, _due in fired:
        case = clock.case
        users = {case.assignee_id, officer(case)}
        segments = [s for s in (case.area_path or "").split("/") if s]
        if level >= 1:
            users.add(boss.get(case.assignee_id) or boss.get(officer(case)))
        if level == 2 and len(segments) > 2:
            users |= supervisors[segments[2]]
        if level == 3:
            if len(segments) > 1:
                users |= supervisors[segments[1]]
            users |= dispatchers
        users.discard(None)
        out[(case.pk, kind, level)] = users
    return out
