"""Celery tasks of the grid."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def assignment_permissions_sync_task() -> dict:
    """Periodic (beat, every minute): officers' cell permissions follow their assignments' dates."""
    from .services import assignment_permissions_sync

    granted, revoked = assignment_permissions_sync()
    return {"granted": granted, "revoked": revoked}
