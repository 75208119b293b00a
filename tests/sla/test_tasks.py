"""The beat schedule names tasks that exist; they are safe to run late or twice."""

from __future__ import annotations

from django.conf import settings

from apps.notify.tasks import notification_deliver_task, notification_resend_task
from apps.sla.tasks import sla_sweep_task
from gridops.celery import app


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


def test_tasks_acknowledge_late():
    for task in (sla_sweep_task, notification_resend_task, notification_deliver_task):
        assert task.acks_late


def test_sweep_task_runs_the_sweep(dispatched_case, time_machine):
    from .conftest import local

    dispatched_case()
    time_machine.move_to(local(2026, 11, 23, 15, 1), tick=False)
    assert sla_sweep_task.apply().get() == {"warnings": 1, "escalations": 1}
    assert sla_sweep_task.apply().get() == {"warnings": 0, "escalations": 0}
