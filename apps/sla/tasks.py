"""Celery tasks of the SLA engine."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def sla_sweep_task() -> dict:
    """Periodic (beat, every minute): fire due warnings and escalations."""
    from .sweep import sla_sweep

    result = sla_sweep()
    return {"warnings": result.warnings, "escalations": result.escalations}
