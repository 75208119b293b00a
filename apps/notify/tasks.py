"""Celery tasks of notify: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def notification_deliver_task(self, ids: list[int]) -> dict:
    """Deliver outbox rows; retry with exponential backoff while some attempts fail."""
    sent, failed = services.notifications_deliver(ids=ids)
    if failed and not self.request.is_eager:  # in-process: the resend sweep retries later
        raise self.retry(countdown=min(60 * 2**self.request.retries, 3600))
    return {"sent": sent, "failed": failed}


@shared_task(acks_late=True, ignore_result=True)
def notification_resend_task() -> dict:
    """Periodic: re-send everything still undelivered whose next attempt is due."""
    sent, failed = services.notification_resend()
    return {"sent": sent, "failed": failed}
