"""Celery tasks of the SLA engine."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def sla_sweep_task() -> dict:
    """Periodic (beat, every minute): fire due warnings and escalations."""
    from .sweep import sla_sweep

    result = sla_sweep()
    return {"warnings": result.warnings, "escalations": result.escalations}


@shared_task(acks_late=True, ignore_result=True)
def sla_reschedule_task(calendar_id: int | None) -> dict:
    """After a business calendar changed (enqueued on commit): recompute the deadlines of the
    stages running on it (`calendar_id` None: on the default calendar, for the policies without a
    calendar of their own). Idempotent: a second run, or a redelivery, moves nothing more."""
    from .reschedule import clocks_reschedule

    result = clocks_reschedule(calendar_id=calendar_id)
    return {"checked": result.checked, "moved": result.moved}
