"""Recomputing the deadlines of running stages after a business calendar changes.

A stage's deadline, warning and escalation instants are computed when it starts (or resumes, or
is extended) on its calendar as it was then. When an administrator later changes that calendar —
a typhoon day declared off (台风停工), next year's holidays entered late, a weekend made a working
day (调休), other working hours — `calendar_touch` (every change of a calendar's days) and the
calendar's admin (its working periods, public holidays, default flag) call
`clocks_reschedule_after_commit`; once the change is committed `sla_reschedule_task` runs
`clocks_reschedule`, which gives every running clock on that calendar the instants `_schedule`
computes on the new one. Suspended clocks are left alone (resuming computes them afresh), as are
stopped ones and clocks around the clock (no calendar).

What a clock has used is counted as `_schedule` and the stage's record count it: the seconds used
before its last resume (`consumed_seconds`) as they were counted then, the time since
`running_since` on the calendar as it is now — so a day declared off after the fact (the typhoon
day, entered the next morning) does not count either. The budget is the one the stage was given:
its limit and its approved extensions, in seconds as they were converted when given.

Alerts already fired stay fired: `warned` and `escalation_level` are not touched, the sweep fires
only what lies beyond them, and `SlaAlert`'s unique key would refuse a second alert anyway. When
the deadline moves later than an escalation that already fired (the typhoon day came after the
deadline had passed), that escalation stays on record: the supervisor sees the case still marked
escalated at the level it reached, with that alert in its history at the instant it fell due then,
while its deadline — and, for the stage's on-time figure, the comparison with it — is the new
one; the next level fires at its new instant, counted from the new deadline. A warning already
given likewise keeps the case yellow until the new deadline passes. When the deadline moves earlier
(a working weekend), the points now in the past fire at the next sweep.

Each batch of clocks is read, locked (on PostgreSQL, `SELECT … FOR UPDATE`, in key order) and
written in its own short transaction, one SELECT and at most one UPDATE per batch. The result
depends only on the clock, its policy and the calendar, so running it twice, or two runs at once
(the second waits for the first's rows and finds nothing left to move), moves each clock once;
the sweep skips rows locked here and sees the new instants after the batch commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone

from gridops.db import rows_update
from gridops.localcache import DEFAULT_SECONDS

from .calendars import calendar_get_fresh
from .choices import TimeBasis
from .models import BusinessCalendar, CaseClock, SlaPolicy
from .services import _schedule

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
# The columns `_schedule` computes: the ones a reschedule writes.
POINTS = ("deadline", "warn_at", "escalate1_at", "escalate2_at", "escalate3_at", "next_check_at")
# The columns `_schedule` reads (a deferred one would cost a query per clock: the tests count them).
READ = (
    "policy_id",
    "stage",
    "running_since",
    "is_suspended",
    "limit_seconds",
    "extension_seconds",
    "consumed_seconds",
    "warned",
    "escalation_level",
    *POINTS,
)
_MARK = "sla_reschedule_calendar"  # attribute naming the calendar of a pending after-commit callback


@dataclass
class RescheduleResult:
    checked: int = 0
    moved: int = 0

    def __str__(self) -> str:
        return f"{self.moved} of {self.checked} running clocks moved"


def _running_on(calendar_id: int | None, *, with_default: bool) -> Q:
    """Running clocks in working time on the calendar `calendar_id`, as `timekeeper_for_clock`
    finds it: their policy names it, or (`with_default`, or `calendar_id` None) they have no policy
    or their policy no calendar of its own, and count on the default calendar."""
    running = Q(basis=TimeBasis.WORKING, is_suspended=False, running_since__isnull=False) & ~Q(stage="")
    on_default = Q(policy__isnull=True) | Q(policy__calendar__isnull=True)
    if calendar_id is None:
        return running & on_default
    own = Q(policy__calendar_id=calendar_id)
    return running & ((own | on_default) if with_default else own)


def clocks_reschedule(*, calendar_id: int | None, batch_size: int = BATCH_SIZE) -> RescheduleResult:
    """Recompute the deadline, warning and escalation instants and `next_check_at` of every running
    clock on the calendar `calendar_id` (None: the clocks that count on the default calendar, or on
    the built-in one when there is no default) from the calendar as the database has it now.
    Returns how many clocks were looked at and how many moved (only those are written)."""
    result = RescheduleResult()
    is_default = False
    if calendar_id is not None:
        is_default = BusinessCalendar.objects.filter(pk=calendar_id).values_list("is_default", flat=True).first()
        if is_default is None:
            return result  # deleted since: no policy names it (they protect it), no clock counts on it
    keeper = calendar_get_fresh(calendar_id=calendar_id)
    scope = _running_on(calendar_id, with_default=is_default)
    policies = SlaPolicy.objects.in_bulk()  # a few hundred rows, shared by the clocks' instances
    after = None
    while True:
        with transaction.atomic():
            qs = CaseClock.objects.filter(scope).only(*READ).order_by("case_id")
            if after is not None:
                qs = qs.filter(case_id__gt=after)
            if settings.IS_POSTGRES:
                qs = qs.select_for_update(of=("self",))
            clocks = list(qs[:batch_size])
            for clock in clocks:
                clock.policy = policies.get(clock.policy_id)
            moved = [clock for clock in clocks if _recompute(clock, keeper)]
            rows_update(moved, POINTS, also={"updated_at": timezone.now()})
        result.checked += len(clocks)
        result.moved += len(moved)
        if len(clocks) < batch_size:
            break
        after = clocks[-1].case_id
    if result.moved:
        logger.info("calendar %s changed: %s", calendar_id if calendar_id is not None else "(default)", result)
    return result


def _recompute(clock: CaseClock, keeper) -> bool:
    before = [getattr(clock, name) for name in POINTS]
    _schedule(clock, keeper, clock.policy)
    return [getattr(clock, name) for name in POINTS] != before


# ---------------------------------------------------------------- after a change


def clocks_reschedule_after_commit(*, calendar_id: int | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Have the running clocks on `calendar_id` (None: those counting on the default calendar)
    recomputed once the current transaction commits (at once outside one). Asked several times in
    one transaction (an admin form saving ten days), it runs once."""
    conn = connections[using]
    if conn.in_atomic_block:
        open_savepoints = set(conn.savepoint_ids)
        for savepoints, func, _robust in conn.run_on_commit:
            # Registered here or in an enclosing savepoint: it survives exactly when a new one would
            # (one from a savepoint released since is not recognised: at worst a second run, moving nothing).
            if getattr(func, _MARK, ...) == calendar_id and savepoints <= open_savepoints:
                return

    def enqueue() -> None:
        sla_reschedule_enqueue(calendar_id=calendar_id)

    setattr(enqueue, _MARK, calendar_id)
    transaction.on_commit(enqueue, using=using)


def sla_reschedule_enqueue(*, calendar_id: int | None) -> None:
    """Hand the recomputation to the task; never raises (the change is committed: a broker outage
    is logged with the command that does the same by hand).

    With a broker it runs twice: at once, and again once every process's calendar cache has
    expired (`GRIDOPS_CATALOG_CACHE_SECONDS`), for the stages another process started or resumed
    in between on the calendar it still had. The second run moves only those."""
    from .tasks import sla_reschedule_task

    try:
        sla_reschedule_task.delay(calendar_id)
        if not sla_reschedule_task.app.conf.task_always_eager:
            ttl = float(getattr(settings, "GRIDOPS_CATALOG_CACHE_SECONDS", DEFAULT_SECONDS))
            sla_reschedule_task.apply_async((calendar_id,), countdown=ttl + 1)
    except Exception:
        logger.exception(
            "could not enqueue the recomputation of running deadlines on calendar id %s: run "
            "`manage.py sla_reschedule CODE` (`--default` for the clocks without a calendar of their own)",
            calendar_id,
        )
