"""Notifications: an outbox written in the same transaction as its cause."""

from __future__ import annotations


def notify_case_event(*, event) -> None:
    """Called by the workflow service inside its transaction for every case event:
    writes the outbox rows for whoever should hear of it (delivery happens after commit)."""
