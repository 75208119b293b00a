"""A supervisor's decision racing a workflow action on the same case, on PostgreSQL: no deadlock."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections, transaction

from apps.sla import services as sla
from apps.sla.models import CaseClock, ClockRequest

from .conftest import local

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks across connections"),
]


@pytest.mark.django_db(transaction=True)
def test_approving_while_the_case_moves_waits_instead_of_deadlocking(dispatched_case, cast):
    """A transition locks the case's clock, then ends its open requests; an approval takes the
    same locks in the same order, so it waits for the transition instead of deadlocking."""
    case = dispatched_case()
    req = sla.suspension_request(actor=cast.handler_x, case=case, reason="等待材料", at=local(2026, 11, 23, 10, 0))
    clock_locked, approval_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def transition_like():
        try:
            with transaction.atomic():
                CaseClock.objects.select_for_update().get(case_id=case.pk)  # as clock_on_transition
                clock_locked.set()
                approval_started.wait(5)
                threading.Event().wait(0.5)  # let the approval reach its locks
                ClockRequest.objects.filter(case_id=case.pk, status="pending").update(status="ended")
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    def approve():
        clock_locked.wait(5)
        approval_started.set()
        try:
            sla.suspension_approve(actor=cast.supervisor_d, request_id=req.pk, at=local(2026, 11, 23, 10, 5))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=transition_like), threading.Thread(target=approve)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    # The transition ended the request first; the approval then finds it decided: a clear conflict.
    assert [type(e).__name__ for e in errors] == ["Conflict"], errors
    assert ClockRequest.objects.get(pk=req.pk).status == "ended"
