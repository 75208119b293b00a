"""The outbox: written with its cause, delivered after commit, never lost when the broker is down."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail

from apps.cases.services import case_transition
from apps.notify import services
from apps.notify.models import Notification

from .conftest import local


@pytest.fixture
def hook_server():
    """A local HTTP server recording webhook calls; `fail` makes it answer 500, `redirect` 302 to
    another path (which answers any method with 200), `hang` keep the request without answering."""
    calls: list[dict] = []
    state = {"fail": False, "redirect": False, "hang": False}
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            calls.append(
                {
                    "method": "POST",
                    "path": self.path,
                    "body": body,
                    "signature": self.headers.get(SIGNATURE),
                    "timestamp": self.headers.get("X-Gridops-Timestamp"),
                }
            )
            if self.path != "/hook":
                self.send_response(200)
            elif state["hang"]:
                released.wait(10)
                return
            elif state["redirect"]:
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
            else:
                self.send_response(500 if state["fail"] else 204)
            self.end_headers()

        def do_GET(self):  # noqa: N802
            calls.append({"method": "GET", "path": self.path, "body": b"", "signature": self.headers.get(SIGNATURE)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/hook", "calls": calls, "state": state}
    released.set()
    server.shutdown()
    server.server_close()


SIGNATURE = "X-Gridops-Signature"


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
    # What the README tells a receiver to check: the timestamp is recent, the signature covers it and the body.
    assert abs(int(call["timestamp"]) - time.time()) < 60
    signed = call["timestamp"].encode() + b"." + call["body"]
    expected = "sha256=" + hmac.new(b"s3cret", signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(call["signature"], expected)
    # A replayed call with another timestamp does not verify.
    later = str(int(call["timestamp"]) + 3600).encode() + b"." + call["body"]
    assert call["signature"] != "sha256=" + hmac.new(b"s3cret", later, hashlib.sha256).hexdigest()
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
    services.notifications_deliver(ids=[hook.pk], now=hook.next_attempt_at)
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


# ---------------------------------------------------------------- delivery against a misbehaving world


def webhook_rows(make_case, cast, city, url, n=1):
    """`n` dispatched cases whose webhook rows are pending, not yet tried (as right after commit)."""
    city.dept_x.webhook_url = url
    city.dept_x.webhook_secret = "s3cret"
    city.dept_x.save()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "notifications_enqueue", lambda *, ids: True)
        cases = [dispatch(make_case, cast, city) for _ in range(n)]
    return list(Notification.objects.filter(case__in=cases, channel="webhook").order_by("pk"))


def test_a_redirect_is_a_failure_not_a_delivery(make_case, cast, city, policy, hook_server):
    hook_server["state"]["redirect"] = True
    (hook,) = webhook_rows(make_case, cast, city, hook_server["url"])
    assert services.notifications_deliver(ids=[hook.pk]) == (0, 1)
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.last_error) == ("pending", 1, "HTTP 302")
    # followed, the POST would have become a GET without the body, carrying the signature elsewhere
    assert [(c["method"], c["path"]) for c in hook_server["calls"]] == [("POST", "/hook")]


def test_a_department_deactivated_after_queueing_gets_no_webhook(make_case, cast, city, policy, hook_server):
    (hook,) = webhook_rows(make_case, cast, city, hook_server["url"])
    city.dept_x.is_active = False
    city.dept_x.save()
    services.notifications_deliver(ids=[hook.pk])
    hook.refresh_from_db()
    assert hook_server["calls"] == []
    # nothing a retry could change: given up at once, not retried for hours
    assert (hook.status, hook.next_attempt_at, hook.last_error) == ("failed", None, "department inactive")


def test_a_webhook_url_removed_after_queueing_fails_at_once(make_case, cast, city, policy, hook_server):
    (hook,) = webhook_rows(make_case, cast, city, hook_server["url"])
    city.dept_x.webhook_url = ""
    city.dept_x.save()
    services.notifications_deliver(ids=[hook.pk])
    hook.refresh_from_db()
    assert (hook.status, hook.attempts, hook.last_error) == ("failed", 1, "department has no webhook URL")


@pytest.mark.parametrize(
    ("change", "error"), [({"is_active": False}, "recipient inactive"), ({"email": ""}, "no email address")]
)
def test_an_email_to_a_user_deactivated_or_without_address_after_queueing_is_not_sent(
    make_case, cast, city, policy, change, error
):
    cast.handler_x.email = "handler_x@example.org"
    cast.handler_x.save()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "notifications_enqueue", lambda *, ids: True)
        case = dispatch(make_case, cast, city)
    for field, value in change.items():
        setattr(cast.handler_x, field, value)
    cast.handler_x.save()
    email = Notification.objects.get(case=case, channel="email")
    services.notifications_deliver(ids=[email.pk])
    email.refresh_from_db()
    assert mail.outbox == []
    assert (email.status, email.last_error) == ("failed", error)


def test_a_task_retry_before_the_backoff_is_due_does_not_spend_an_attempt(make_case, cast, city, policy, hook_server):
    hook_server["state"]["fail"] = True
    (hook,) = webhook_rows(make_case, cast, city, hook_server["url"])
    now = local(2026, 11, 23, 9, 0)
    services.notifications_deliver(ids=[hook.pk], now=now)
    # the sweep took it when due; the task's own retry comes right after: not due again yet
    services.notifications_deliver(ids=[hook.pk], now=now + timedelta(seconds=30))
    hook.refresh_from_db()
    assert (hook.attempts, hook.next_attempt_at) == (1, now + timedelta(minutes=1))
    assert len(hook_server["calls"]) == 1
    services.notifications_deliver(ids=[hook.pk], now=now + timedelta(minutes=1))
    hook.refresh_from_db()
    assert hook.attempts == 2


def test_an_endpoint_that_does_not_answer_is_waited_for_once_per_run(
    make_case, cast, city, policy, hook_server, monkeypatch
):
    monkeypatch.setattr(services, "WEBHOOK_TIMEOUT_S", 0.2)
    hook_server["state"]["hang"] = True
    hooks = webhook_rows(make_case, cast, city, hook_server["url"], n=4)
    assert services.notifications_deliver(ids=[h.pk for h in hooks]) == (0, 4)
    # one timeout, not one per row (at 5 s each, a few dozen rows outlast the task's time limit)
    assert len(hook_server["calls"]) == 1
    rows = Notification.objects.filter(pk__in=[h.pk for h in hooks])
    assert {(n.status, n.attempts, n.last_error) for n in rows} == {("pending", 1, "TimeoutError")}


def test_a_delivery_run_stops_at_its_budget_and_keeps_what_it_sent(make_case, cast, city, policy, monkeypatch):
    """The outcomes are saved when the run's transaction commits: a run the worker kills at its
    time limit would roll back and send it all again. A run stops in time; the rest stay pending."""
    cast.handler_x.email = "handler_x@example.org"
    cast.handler_x.save()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "notifications_enqueue", lambda *, ids: True)
        for _ in range(5):
            dispatch(make_case, cast, city)
    emails = list(Notification.objects.filter(channel="email").values_list("pk", flat=True))
    clock = [0.0]
    send = services._send

    def slow_send(n):
        clock[0] += services.DELIVERY_BUDGET_S / 2.5
        send(n)

    monkeypatch.setattr(services, "monotonic", lambda: clock[0])
    monkeypatch.setattr(services, "_send", slow_send)
    assert services.notifications_deliver(ids=emails) == (3, 0)
    assert len(mail.outbox) == 3
    left = Notification.objects.filter(pk__in=emails, status="pending")
    assert left.count() == 2 and set(left.values_list("attempts", flat=True)) == {0}
    # the periodic resend takes the rest once they are due
    assert services.notification_resend(now=local(2026, 11, 23, 9, 2)) == (2, 0)
    assert len(mail.outbox) == 5


@pytest.mark.postgres
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_row_send_it_once(make_case, cast, city, policy, hook_server):
    from django.db import connection

    hook_server["state"]["hang"] = True  # the first worker holds the row while it waits
    (hook,) = webhook_rows(make_case, cast, city, hook_server["url"])
    results = []

    def worker():
        try:
            results.append(services.notifications_deliver(ids=[hook.pk]))
        finally:
            connection.close()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "WEBHOOK_TIMEOUT_S", 1)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [(0, 0), (0, 1)]
    assert len(hook_server["calls"]) == 1
