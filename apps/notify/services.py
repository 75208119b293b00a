"""Notifications: an outbox written in the same transaction as its cause.

An in-app notification is delivered by being written (the inbox reads the rows), so it is
created `sent`. Email and webhook rows are created pending; after the transaction commits their
ids are handed to a Celery task. If the broker is down the hand-over fails quietly (logged without personal data) and
the periodic `notification_resend` picks the rows up once their `next_attempt_at` passes —
so a broker outage delays a notification but never loses it, and never fails the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from time import monotonic

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from gridops.db import RowBatch

from .choices import NotificationChannel, NotificationStatus
from .models import Notification

logger = logging.getLogger(__name__)

# The normal path delivers right after commit; the resend sweep waits this long before it
# takes a pending row, so the two rarely meet (if they do, the row lock decides).
FIRST_RESEND_DELAY = timedelta(minutes=2)
MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT_S = 5
# A delivery run takes no new row after this long, well inside the task's soft time limit: its
# outcomes are saved when its transaction commits, and a run killed at the hard limit would
# forget what it had sent and send it again.
DELIVERY_BUDGET_S = 60
SIGNATURE_HEADER = "X-Gridops-Signature"
TIMESTAMP_HEADER = "X-Gridops-Timestamp"
EMAIL_KEYS = frozenset({"dispatch", "sla_escalation", "suspension_request", "extension_request"})


def _by_email(item: dict) -> bool:
    """Whether an item's users also get an email (its `email` flag, else by its key)."""
    return item.get("email", item["key"] in EMAIL_KEYS)


# ---------------------------------------------------------------- creating


def notifications_create(
    *, items: list[dict], at: datetime | None = None, batch: RowBatch | None = None
) -> list[Notification]:
    """Write outbox rows for many messages in a few queries and deliver them after commit.

    Each item: case, event (optional), key, params, user_ids (an in-app row each, plus an email
    for EMAIL_KEYS to those who are active and have an address), department_id (its webhook, if set).
    `batch`: the rows join it instead of being written now (their case and event may be unsaved).
    """
    at = at or timezone.now()
    user_ids = {uid for item in items for uid in item.get("user_ids", ())}
    wants_email = any(_by_email(item) for item in items if item.get("user_ids"))
    # Addresses only when some message goes by email (a report's in-app row needs no look-up).
    emails = (
        dict(User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").values_list("pk", "email"))
        if wants_email
        else {}
    )
    dept_ids = {item["department_id"] for item in items if item.get("department_id")}
    hooks = (
        set(
            Department.objects.filter(pk__in=dept_ids, is_active=True)
            .exclude(webhook_url="")
            .values_list("pk", flat=True)
        )
        if dept_ids
        else set()
    )
    delivered = {"status": NotificationStatus.SENT, "sent_at": at, "next_attempt_at": None}  # in-app rows
    rows: list[Notification] = []
    for item in items:
        common = {
            "case": item.get("case"),
            "event": item.get("event"),
            "key": item["key"],
            "params": item.get("params", {}),
            "created_at": at,
            "next_attempt_at": at + FIRST_RESEND_DELAY,
        }
        for uid in sorted(item.get("user_ids", ())):
            rows.append(Notification(channel=NotificationChannel.IN_APP, recipient_id=uid, **(common | delivered)))
            if uid in emails and _by_email(item):
                rows.append(Notification(channel=NotificationChannel.EMAIL, recipient_id=uid, **common))
        if item.get("department_id") in hooks:
            rows.append(
                Notification(channel=NotificationChannel.WEBHOOK, department_id=item["department_id"], **common)
            )
    if not rows:
        return []
    if batch is not None:
        for row in rows:
            batch.add(row)
        batch.after_write(lambda: _enqueue_after_commit(rows))
        return rows
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    _enqueue_after_commit(created)
    return created


def _enqueue_after_commit(rows: list[Notification]) -> None:
    """In-app rows are delivered by being written; the others go to the delivery task."""
    ids = [n.pk for n in rows if n.status == NotificationStatus.PENDING]
    if ids:
        transaction.on_commit(lambda: notifications_enqueue(ids=ids))


def notifications_enqueue(*, ids: list[int]) -> bool:
    """Hand ids to the delivery task; never raises (the resend sweep covers a failure)."""
    from .tasks import notification_deliver_task

    try:
        notification_deliver_task.delay(ids)
    except Exception as exc:  # broker down, DNS, timeout: delivery waits for the resend sweep
        logger.warning(
            "notification enqueue failed (%s); %d notification(s) left for resend", type(exc).__name__, len(ids)
        )
        return False
    return True


def _area_supervisors(case) -> set[int]:
    from apps.grid.models import AreaUserObjectPermission

    codes = [c for c in (case.area_path or "").split("/") if c]
    if not codes:
        return set()
    return set(
        AreaUserObjectPermission.objects.filter(
            permission__codename="supervise_area", content_object__code__in=codes
        ).values_list("user_id", flat=True)
    )


def _department_handlers(case) -> set[int]:
    if not case.department_id:
        return set()
    return set(
        User.objects.filter(department_id=case.department_id, role=Role.HANDLER, is_active=True).values_list(
            "pk", flat=True
        )
    )


def _dispatchers() -> set[int]:
    return set(User.objects.filter(role=Role.DISPATCHER, is_active=True).values_list("pk", flat=True))


def _requester(event) -> set[int]:
    from apps.sla.models import ClockRequest

    request_id = (event.data or {}).get("request")
    if not request_id:
        return set()
    return set(ClockRequest.objects.filter(pk=request_id).values_list("requested_by_id", flat=True))


def _officer_now(case, at) -> int | None:
    """The officer answering for the case's cell at `at`: the cell may have changed hands, or its
    officer gone on leave, since the report (whose officer `responsible_officer` records). Someone
    who no longer works in the cell cannot see the case and must not hear of it."""
    if case.cell_id is None:
        return case.responsible_officer_id
    from apps.grid.selectors import cell_responsible_officer_id

    return cell_responsible_officer_id(cell=case.cell_id, at=at)


def _recipients(event) -> set[int]:
    case = event.case
    action = event.action
    if action == "report":
        return {case.responsible_officer_id}  # routed a moment ago
    if action == "dispatch":
        return _department_handlers(case) | {case.assignee_id}
    if action in {"accept", "resolve"}:
        return {_officer_now(case, event.created_at)}
    if action == "return":
        return _dispatchers()
    if action == "verify_fail":
        return {case.assignee_id} if case.assignee_id else _department_handlers(case)
    if action in {"verify_pass", "close", "reject"}:
        return {case.reporter_id}
    if action == "reopen":
        return _dispatchers() | {case.assignee_id}
    if action in {"suspension_request", "extension_request"}:
        return _area_supervisors(case)
    if action in {"suspension_approve", "suspension_refuse", "extension_approve", "extension_refuse"}:
        return _requester(event) | {case.assignee_id}
    if action == "suspension_resume":
        return {case.assignee_id, _officer_now(case, event.created_at)}
    return set()


def notify_case_event(*, event, case=None, batch: RowBatch | None = None) -> None:
    """Called by the workflow service inside its transaction for every case event:
    writes the outbox rows for whoever should hear of it (delivery happens after commit).
    `case`: the case as it is after the event, if the caller has it (else it is read).
    `batch`: the rows being written with an unsaved event; the outbox rows join them."""
    from .choices import MESSAGES

    if event.action not in MESSAGES:
        return
    from apps.cases.models import Case

    # The event may hold the case as it was before the transition: read the committed-to-be row.
    case = case if case is not None else Case.objects.get(pk=event.case_id)
    event.case = case
    users = _recipients(event)
    users.discard(None)
    users.discard(event.actor_id)
    notifications_create(
        items=[
            {
                "case": case,
                "event": event,
                "key": event.action,
                "params": {"code": case.tracking_code},
                "user_ids": users,
                "department_id": case.department_id if event.action not in {"report", "reject"} else None,
            }
        ],
        at=event.created_at if event.created_at else None,
        batch=batch,
    )


# ---------------------------------------------------------------- delivering


class DeliveryError(Exception):
    """This attempt failed; a later one may succeed."""


class Undeliverable(DeliveryError):
    """No attempt can succeed (recipient or department inactive, no address or URL): give up now."""


class EndpointDown(DeliveryError):
    """The webhook endpoint did not answer (timeout, refused, unreachable)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery: urllib would follow it as a GET without the body (carrying the
    signature to wherever it points) and count the final 200 as delivered. It is an HTTP 3xx failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_webhook_opener = urllib.request.build_opener(_NoRedirect)


def _body(n: Notification) -> dict:
    return {
        "id": n.pk,
        "event": n.key,
        "case": n.case.tracking_code if n.case_id else None,
        "params": n.params,
        "created_at": n.created_at.isoformat(),
    }


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Gridops-Signature` header: `sha256=` and the hex HMAC-SHA256, keyed with the
    department's webhook secret, of the `X-Gridops-Timestamp` header's value (Unix seconds), a
    dot and the raw request body. A receiver recomputes it over the bytes it received (before
    parsing the JSON), compares with `hmac.compare_digest`, and refuses a timestamp more than a
    few minutes from its clock: a captured call cannot be replayed later. A delivery may arrive
    more than once (a timeout after the receiver took it): the body's `id` names the notification."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _send(n: Notification) -> None:
    if n.channel == NotificationChannel.IN_APP:
        return
    if n.channel == NotificationChannel.EMAIL:
        who = n.recipient if n.recipient_id else n.department
        if who is None or not who.is_active:
            raise Undeliverable("recipient inactive")
        if not who.email:
            raise Undeliverable("no email address")
        with translation.override(settings.LANGUAGE_CODE):
            text = n.text
            send_mail(
                subject=f"[gridops] {text}"[:200],
                message=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[who.email],
            )
        return
    if n.channel == NotificationChannel.WEBHOOK:
        dept = n.department
        if dept is None or not dept.is_active:
            raise Undeliverable("department inactive")
        if not dept.webhook_url:
            raise Undeliverable("department has no webhook URL")
        body = json.dumps(_body(n), ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(time.time())  # each attempt is signed anew
        req = urllib.request.Request(
            dept.webhook_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: webhook_signature(secret=dept.webhook_secret, timestamp=timestamp, body=body),
            },
        )
        try:
            with _webhook_opener.open(req, timeout=WEBHOOK_TIMEOUT_S) as resp:
                if resp.status >= 300:
                    raise DeliveryError(f"HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryError(f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise EndpointDown(type(exc).__name__) from None
        return
    raise DeliveryError(f"unknown channel {n.channel}")


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _deliver_locked(rows: list[Notification], now: datetime, until: float) -> tuple[int, int]:
    """Try each row until the monotonic deadline `until` (the rest stay as they are, pending).
    A department whose endpoint did not answer is not called again in the run: its other rows
    fail with the same error instead of each waiting for the timeout."""
    sent = failed = 0
    down: dict[int, str] = {}
    tried = []
    for n in rows:
        if monotonic() >= until:
            break
        tried.append(n)
        n.attempts += 1
        try:
            if n.channel == NotificationChannel.WEBHOOK and n.department_id in down:
                raise EndpointDown(down[n.department_id])
            _send(n)
        except Exception as exc:
            failed += 1
            n.last_error = (str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__)[:300]
            if isinstance(exc, EndpointDown):
                down[n.department_id] = n.last_error
            if isinstance(exc, Undeliverable) or n.attempts >= MAX_ATTEMPTS:
                n.status = NotificationStatus.FAILED
                n.next_attempt_at = None
            else:
                n.next_attempt_at = now + _backoff(n.attempts)
        else:
            sent += 1
            n.status = NotificationStatus.SENT
            n.sent_at = now
            n.next_attempt_at = None
            n.last_error = ""
    _save_outcomes(tried, now)
    return sent, failed


def _save_outcomes(rows: list[Notification], now: datetime) -> None:
    """Sent rows in one UPDATE; the (few) failures one by one."""
    delivered = [n.pk for n in rows if n.status == NotificationStatus.SENT]
    if delivered:
        Notification.objects.filter(pk__in=delivered).update(
            status=NotificationStatus.SENT, sent_at=now, next_attempt_at=None, last_error="", attempts=F("attempts") + 1
        )
    for n in rows:
        if n.status != NotificationStatus.SENT:
            Notification.objects.filter(pk=n.pk).update(
                status=n.status, attempts=n.attempts, next_attempt_at=n.next_attempt_at, last_error=n.last_error
            )


def _claim(qs):
    qs = qs.select_related("recipient", "department", "case")
    if settings.IS_POSTGRES:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return list(qs)


@transaction.atomic
def notifications_deliver(*, ids: list[int], now: datetime | None = None) -> tuple[int, int]:
    """Deliver these pending rows (ones another worker holds, already sent, or failed and not yet due
    for their next attempt are skipped). Returns (sent, failed attempts)."""
    now = now or timezone.now()
    rows = _claim(
        Notification.objects.filter(pk__in=ids, status=NotificationStatus.PENDING)
        .filter(Q(attempts=0) | Q(next_attempt_at__lte=now))
        .order_by("pk")
    )
    return _deliver_locked(rows, now, monotonic() + DELIVERY_BUDGET_S)


def notification_resend(*, now: datetime | None = None, batch_size: int = 500) -> tuple[int, int]:
    """Deliver what is still pending and due (a broker outage, a failed attempt)."""
    now = now or timezone.now()
    until = monotonic() + DELIVERY_BUDGET_S
    total_sent = total_failed = 0
    while monotonic() < until:
        with transaction.atomic():
            rows = _claim(
                Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=now).order_by(
                    "next_attempt_at"
                )[:batch_size]
            )
            if not rows:
                break
            sent, failed = _deliver_locked(rows, now, until)
        total_sent += sent
        total_failed += failed
        if len(rows) < batch_size:
            break
    return total_sent, total_failed


# ---------------------------------------------------------------- the inbox


def notification_mark_read(*, user: User, notification_id: int, at: datetime | None = None) -> int:
    return Notification.objects.filter(
        pk=notification_id, recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True
    ).update(read_at=at or timezone.now())


def notifications_mark_all_read(*, user: User, at: datetime | None = None) -> int:
    return Notification.objects.filter(
        Q(recipient=user) & Q(channel=NotificationChannel.IN_APP) & Q(read_at__isnull=True)
    ).update(read_at=at or timezone.now())
