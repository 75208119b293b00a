"""The outbox: written with its cause, delivered after commit, never lost when the broker is down."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from apps.cases.services import case_transition
from apps.notify import services
from apps.notify.models import Notification

from .conftest import local


@pytest.fixture
def hook_server():
    """A local HTTP server recording webhook calls; `fail` makes it answer 500."""
    calls: list[dict] = []
    state = {"fail": False}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append({"body": body, "signature": self.headers.get("X-Gridops-Signature")})
            self.send_response(500 if state["fail"] else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/hook", "calls": calls, "state": state}
    server.shutdown()


def dispatch(make_case, cast, city, at=None):
    at = at or local(2026, 11, 23, 9, 0)
    case = make_case(at)
    case_transition(case=case, actor=cast.dispatcher, action="register", at=at)
    case_transition(case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=at)
    return case


def test_dispatch_notifies_the_department_in_app_by_email_and_webhook(
    make_case, cast, city, policy, hook_server, django_capture_on_commit_callbacks
):
    city.dept_x.webhook_url = hook_server["url"]
    city.dept_x.webhook_secret = "s3cret"
    city.dept_x.save()
    cast.handler_x.email = "handler_x@example.org"
    cast.handler_x.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = dispatch(make_case, cast, city)
    rows = Notification.objects.filter(case=case, key="dispatch")
    assert {(n.channel, n.status) for n in rows} == {("inapp", "sent"), ("email", "sent"), ("webhook", "sent")}
    assert rows.get(channel="inapp").recipient == cast.handler_x
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["handler_x@example.org"]
    assert case.tracking_code in mail.outbox[0].subject
    (call,) = hook_server["calls"]
    expected = "sha256=" + hmac.new(b"s3cret", call["body"], hashlib.sha256).hexdigest()
    assert call["signature"] == expected
    body = json.loads(call["body"])
    assert body["event"] == "dispatch" and body["case"] == case.tracking_code


def test_the_officer_who_hears_of_progress_is_the_one_answering_for_the_cell_now(make_case, cast, city, policy):
    from apps.grid import services as grid_services

    case = dispatch(make_case, cast, city)
    grid_services.assignment_create(cell=city.cell_a, officer=cast.officer_c, valid_from=local(2026, 11, 23, 9, 10))
    case_transition(case=case, actor=cast.handler_x, action="accept", at=local(2026, 11, 23, 9, 30))
    told = Notification.objects.filter(case=case, key="accept", channel="inapp").values_list("recipient", flat=True)
    assert list(told) == [cast.officer_c.pk]


def test_notifications_carry_no_personal_data(
    make_case, cast, city, policy, hook_server, django_capture_on_commit_callbacks
):
    city.dept_x.webhook_url = hook_server["url"]
    city.dept_x.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(local(2026, 11, 23, 9, 0), reporter_name="王小明", reporter_phone="13812345678")
        case_transition(case=case, actor=cast.dispatcher, action="register", at=local(2026, 11, 23, 9, 0))
        case_transition(
            case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=local(2026, 11, 23, 9, 0)
        )
    for call in hook_server["calls"]:
        assert b"13812345678" not in call["body"] and "王小明".encode() not in call["body"]
    for n in Notification.objects.all():
        assert "13812345678" not in n.text and "13812345678" not in json.dumps(n.params)


def test_nothing_is_written_when_the_cause_rolls_back(make_case, cast, city, policy):
    from django.db import transaction

    case = make_case(local(2026, 11, 23, 9, 0))
    case_transition(case=case, actor=cast.dispatcher, action="register", at=local(2026, 11, 23, 9, 0))
    before = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(
            case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=local(2026, 11, 23, 9, 0)
        )
        raise RuntimeError
    assert Notification.objects.count() == before


def test_a_failing_webhook_is_retried_with_backoff_then_delivered(
    make_case, cast, city, policy, hook_server, django_capture_on_commit_callbacks, time_machine
):
    city.dept_x.webhook_url = hook_server["url"]
    city.dept_x.save()
    hook_server["state"]["fail"] = True
    time_machine.move_to(local(2026, 11, 23, 9, 0), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        case = dispatch(make_case, cast, city)
    hook = Notification.objects.get(case=case, channel="webhook")
    assert (hook.status, hook.attempts, hook.last_error) == ("pending", 1, "HTTP 500")
    assert hook.next_attempt_at == local(2026, 11, 23, 9, 1)
    assert services.notification_resend(now=local(2026, 11, 23, 9, 0, 30)) == (0, 0)  # not due yet
    assert services.notification_resend(now=local(2026, 11, 23, 9, 1)) == (0, 1)
    hook.refresh_from_db()
    assert hook.attempts == 2 and hook.next_attempt_at == local(2026, 11, 23, 9, 3)
    hook_server["state"]["fail"] = False
    assert services.notification_resend(now=local(2026, 11, 23, 9, 3)) == (1, 0)
    hook.refresh_from_db()
    assert hook.status == "sent" and hook.sent_at == local(2026, 11, 23, 9, 3)


def test_after_the_last_attempt_a_notification_is_marked_failed(make_case, cast, city, policy):
    city.dept_x.webhook_url = "http://127.0.0.1:1/closed"
    city.dept_x.save()
    case = dispatch(make_case, cast, city)
    hook = Notification.objects.get(case=case, channel="webhook")
    Notification.objects.filter(pk=hook.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    services.notifications_deliver(ids=[hook.pk])
    hook.refresh_from_db()
    assert hook.status == "failed" and hook.next_attempt_at is None and hook.last_error


def test_broker_down_keeps_the_report_and_the_notification_pending_until_resent(
    make_case, cast, city, policy, broker, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.WARNING, logger="apps.notify.services")
    cast.handler_x.email = "handler_x@example.org"
    cast.handler_x.save()
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        case = make_case(local(2026, 11, 23, 9, 0), reporter_name="王小明", reporter_phone="13812345678")
        case_transition(case=case, actor=cast.dispatcher, action="register", at=local(2026, 11, 23, 9, 0))
        case_transition(
            case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, at=local(2026, 11, 23, 9, 0)
        )
    case.refresh_from_db()
    assert case.state == "dispatched"
    # The in-app row is the inbox entry, delivered by being written; the email waits for a worker.
    inbox = Notification.objects.get(case=case, key="dispatch", channel="inapp", recipient=cast.handler_x)
    assert inbox.status == "sent"
    pending = Notification.objects.filter(case=case, key="dispatch").exclude(channel="inapp")
    assert pending.exists() and set(pending.values_list("status", flat=True)) == {"pending"}
    assert "enqueue failed" in caplog.text
    assert "13812345678" not in caplog.text and "王小明" not in caplog.text
    # the broker is back (here: in-process); the periodic resend delivers what was left
    sent, failed = services.notification_resend(now=local(2026, 11, 23, 9, 2))
    assert sent >= 1 and failed == 0
    assert set(pending.values_list("status", flat=True)) == {"sent"}


def test_enqueue_never_raises(broker):
    with broker("redis://127.0.0.1:1/0"):
        assert services.notifications_enqueue(ids=[1, 2, 3]) is False


def test_delivering_twice_sends_once(make_case, cast, city, policy):
    cast.handler_x.email = "h@example.org"
    cast.handler_x.save()
    case = dispatch(make_case, cast, city)
    ids = list(Notification.objects.filter(case=case).values_list("pk", flat=True))
    services.notifications_deliver(ids=ids)
    services.notifications_deliver(ids=ids)
    assert len(mail.outbox) == 1


def test_resident_hears_when_their_report_is_rejected(cast, city, policy, category):
    from apps.cases.services import case_intake
    from apps.grid.models import CellAssignment
    from tests.conftest import LAT_A, LON_A

    CellAssignment.objects.update(valid_from=local(2020, 1, 1))
    case = case_intake(
        actor=cast.resident,
        channel="web",
        category=category,
        description="路灯坏了",
        lon=LON_A + 0.005,
        lat=LAT_A + 0.005,
        at=local(2026, 11, 23, 9, 0),
    )
    case_transition(case=case, actor=cast.dispatcher, action="reject", note="不属于城管", at=local(2026, 11, 23, 9, 5))
    n = Notification.objects.get(case=case, key="reject")
    assert n.recipient == cast.resident and n.channel == "inapp"
