"""A real Celery worker and beat on this machine's Redis, against the test database (PostgreSQL).

The worker and beat are started as subprocesses with a Redis database number of their own and
a one-second beat interval; waits poll the database with a deadline, and the processes are
stopped at the end. SQLite is skipped: its test database lives in this process's memory.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.notify.models import Notification
from apps.sla.models import SlaAlert, SlaPolicy

from .conftest import celery_broker

ROOT = Path(__file__).resolve().parents[2]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="the worker needs a shared database: PostgreSQL only"),
    pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379"),
]


def wait_for(check, *, timeout: float = 60.0, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not true within {timeout} s: {check.__doc__ or check}")


@pytest.fixture
def live_celery(db):
    redis_url = f"redis://127.0.0.1:6379/{8 + os.getpid() % 6}"
    db_settings = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gridops.settings",
        "DATABASE_URL": f"postgres://{db_settings['USER']}@{db_settings['HOST']}:{db_settings['PORT']}/"
        f"{db_settings['NAME']}",
        "REDIS_URL": redis_url,
        "GRIDOPS_BEAT_INTERVAL_S": "1",
        "LOG_LEVEL": "WARNING",
    }
    tmp = tempfile.mkdtemp(prefix="gridops-celery-")
    celery = str(Path(sys.executable).with_name("celery"))
    log = open(f"{tmp}/out.log", "w")  # noqa: SIM115 (closed in the finally below)
    common = {"cwd": ROOT, "env": env, "stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True}
    subprocess.run([celery, "-A", "gridops", "purge", "-f"], cwd=ROOT, env=env, capture_output=True, timeout=30)
    procs = [
        subprocess.Popen(
            [celery, "-A", "gridops", "worker", "--pool=solo", "-l", "warning", "-n", f"gridops-test-{os.getpid()}@%h"],
            **common,
        ),
        subprocess.Popen(
            [
                celery,
                "-A",
                "gridops",
                "beat",
                "-l",
                "warning",
                "-s",
                f"{tmp}/beat-schedule",
                "--pidfile",
                f"{tmp}/beat.pid",
            ],
            **common,
        ),
    ]
    try:
        with celery_broker(redis_url):
            yield {"redis_url": redis_url, "log": f"{tmp}/out.log"}
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=5)
        subprocess.run([celery, "-A", "gridops", "purge", "-f"], cwd=ROOT, env=env, capture_output=True, timeout=30)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_beat_sweeps_and_the_worker_delivers(live_celery, make_case, category, cast, calendar):
    SlaPolicy.objects.create(
        name="short",
        category=category,
        basis="clock",
        register_amount=2,
        register_unit="minutes",
        escalation1_minutes=0,
        escalation2_minutes=1,
        escalation3_minutes=2,
    )
    case = make_case(timezone.now() - timedelta(minutes=10))  # its register clock ran out 8 minutes ago

    def alerts_recorded():
        """warning and three escalation levels recorded"""
        return SlaAlert.objects.filter(case=case).count() == 4

    wait_for(alerts_recorded)

    def delivered():
        """the sweep's notifications delivered by the worker"""
        rows = Notification.objects.filter(case=case, key__in=["sla_warning", "sla_escalation"])
        return rows.exists() and not rows.exclude(status="sent").exists()

    wait_for(delivered)
    time.sleep(2)  # a few more beats: still exactly one alert per level
    assert sorted(SlaAlert.objects.filter(case=case).values_list("kind", "level")) == [
        ("escalation", 1),
        ("escalation", 2),
        ("escalation", 3),
        ("warning", 0),
    ]


@pytest.mark.django_db(transaction=True)
def test_broker_outage_delays_but_never_loses_a_notification(live_celery, api_as, cast, category, calendar):
    from tests.conftest import LAT_A, LON_A

    SlaPolicy.objects.create(name="std", category=category)
    from apps.grid.models import CellAssignment

    CellAssignment.objects.update(valid_from=timezone.now() - timedelta(days=365))
    client = api_as(cast.hotline)
    started = time.monotonic()
    with celery_broker("redis://127.0.0.1:1/0"):
        res = client.post(
            "/api/v1/cases/",
            {"category": category.code, "description": "井盖丢了", "lon": LON_A + 0.005, "lat": LAT_A + 0.005},
            format="json",
        )
    assert res.status_code == 201, res.content
    assert time.monotonic() - started < 10
    # The officer's inbox entry needs no worker: it is there, delivered by being written.
    inbox = Notification.objects.get(key="report")
    assert (inbox.recipient, inbox.channel, inbox.status) == (cast.officer_a, "inapp", "sent")
    # An email does need one: dispatched while the broker is down, it waits.
    cast.handler_x.email = "handler_x@example.org"
    cast.handler_x.save()
    dispatcher = api_as(cast.dispatcher)
    case_id = res.json()["id"]
    with celery_broker("redis://127.0.0.1:1/0"):
        assert dispatcher.post(f"/api/v1/cases/{case_id}/register/", {}, format="json").status_code == 200
        dispatched = dispatcher.post(
            f"/api/v1/cases/{case_id}/dispatch/", {"department": cast.handler_x.department.code}, format="json"
        )
    assert dispatched.status_code == 200, dispatched.content
    email = Notification.objects.get(key="dispatch", channel="email", recipient=cast.handler_x)
    assert email.status == "pending"
    # The broker is back; the resend (beat, every second here) takes it once its next attempt is due.
    Notification.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())

    def resent():
        """the pending email delivered after the outage"""
        return Notification.objects.filter(pk=email.pk, status="sent").exists()

    wait_for(resent)
