"""SLA clock, warnings and escalation."""

from __future__ import annotations

from datetime import datetime


def clock_on_transition(*, case, action: str, from_state: str, to_state: str, at: datetime) -> None:
    """Called by the workflow service inside its transaction after every change of state:
    start, restart or stop the clock of the case's current stage."""
