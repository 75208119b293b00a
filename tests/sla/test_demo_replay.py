"""The demo's replay of past SLA sweeps (apps/demo/cases.py) ends, whatever falls due when."""

from __future__ import annotations

import signal
from datetime import timedelta

from apps.demo.cases import _replay_sweeps
from apps.sla.models import CaseClock
from apps.sla.sweep import sla_sweep

from .conftest import local


def _fail_after(seconds: int):
    def stop(signum, frame):
        raise AssertionError(f"the replay was still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    return previous


def test_an_escalation_due_exactly_at_the_load_is_left_to_the_first_sweep(dispatched_case):
    case = dispatched_case()  # handle deadline Monday 15:00, warning 14:12, first escalation at the deadline
    now = local(2026, 11, 23, 15, 0)
    previous = _fail_after(20)
    try:
        fired = _replay_sweeps(now=now)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

    clock = CaseClock.objects.get(case=case)
    assert fired == 1  # the warning
    assert clock.warned and clock.escalation_level == 0
    assert clock.next_check_at == now
    assert sla_sweep(now=now + timedelta(seconds=1)).escalations == 1
