"""Two people take the same case at the same moment: exactly one wins, the other gets a Conflict."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from apps.cases import services
from apps.cases.models import CaseEvent
from gridops.errors import Conflict

pytestmark = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="needs PostgreSQL row locking across connections (SQLite serialises writers)"
)


def _race(n, work):
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            work(i)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            results.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_concurrent_register_has_one_winner(cast, report):
    case = report()

    def work(i):
        from apps.cases.models import Case

        services.case_transition(case=Case.objects.get(pk=case.pk), actor=cast.dispatcher, action="register")

    assert _race(2, work) == ["conflict", "ok"]
    case.refresh_from_db()
    assert (case.state, case.version) == ("registered", 1)
    assert CaseEvent.objects.filter(case=case, action="register").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_register_and_reject_have_one_winner(cast, report):
    case = report()
    actions = [("register", ""), ("reject", "无效上报")]

    def work(i):
        from apps.cases.models import Case

        action, note = actions[i]
        services.case_transition(
            case=Case.objects.get(pk=case.pk), actor=cast.dispatcher, action=action, note=note, expected_version=0
        )

    assert _race(2, work) == ["conflict", "ok"]
    case.refresh_from_db()
    assert case.version == 1
    assert CaseEvent.objects.filter(case=case).exclude(action="report").count() == 1
