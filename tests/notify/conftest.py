"""Notify fixtures: reuse the SLA cast helpers; point Celery at a broker for a test."""

from __future__ import annotations

import contextlib

import pytest

from tests.sla.conftest import (  # noqa: F401  (fixtures)
    _fresh_calendar_cache,
    calendar,
    category,
    dispatched_case,
    local,
    make_case,
    policy,
)


@contextlib.contextmanager
def celery_broker(url: str | None, *, queue: str | None = None):
    """Publish tasks to `url` (None: run them eagerly in-process) for the duration of the block."""
    from gridops.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue)

    def reset():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.task_always_eager = url is None
    app.conf.broker_url = url or "memory://"
    if queue:
        app.conf.task_default_queue = queue
    reset()
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.task_default_queue = saved
        reset()


@pytest.fixture
def broker():
    return celery_broker
