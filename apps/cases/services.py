"""Writes to cases. Every change of state goes through `case_transition` (the workflow service)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.accounts.models import User

from .models import Case, CaseEvent


def case_event_record(*, case: Case, actor: User | None, action: str, note: str = "", data: dict | None = None,
                      at: datetime | None = None, from_state: str = "", to_state: str = "") -> CaseEvent:
    """Append one entry to a case's history (also for things that are not transitions:
    a suspension, an extension, a warning, a view of the reporter's contact details)."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )
