"""The closed loop as data: which action moves a case from which states to which, who may take it,
and what it needs.

`TRANSITIONS` is read by the workflow service (`apps.cases.services.case_transition`, the only writer of
`Case.state`), by `apps.cases.selectors.case_actions_for_user` (to draw buttons) and by the API (one
endpoint per action). `actor_may_take` holds the relational part of "who": a handler only for their own
department's cases, an officer only in their own cells, a resident only for their own report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role

from .choices import CaseState

# The intake event's action name (not a transition: a case is born `reported`).
REPORT = "report"


class Action(models.TextChoices):
    REGISTER = "register", _("Register")
    REJECT = "reject", _("Reject")
    MERGE = "merge", _("Merge as duplicate")
    DISPATCH = "dispatch", _("Dispatch")
    ACCEPT = "accept", _("Accept")
    RETURN = "return", _("Return (misrouted)")
    RESOLVE = "resolve", _("Report as resolved")
    VERIFY_PASS = "verify_pass", _("Verify: passed")
    VERIFY_FAIL = "verify_fail", _("Verify: rework")
    REOPEN = "reopen", _("Reopen")
    SELF_HANDLE = "self_handle", _("Handle on the spot")


class Requirement(models.TextChoices):
    """Inputs an action cannot do without."""

    NOTE = "note", _("a note or reason")
    AFTER_PHOTO = "after_photo", _("at least one photo of the result")
    DEPARTMENT_OR_ASSIGNEE = "department_or_assignee", _("a department or an officer")
    MERGE_INTO = "merge_into", _("the case it duplicates")


@dataclass(frozen=True)
class Transition:
    action: str
    from_states: frozenset[str]
    to_state: str
    roles: frozenset[str]
    requires: frozenset[str]
    description: Promise


S = CaseState
R = Role
_DISPATCH_ROLES = frozenset({R.DISPATCHER, R.SUPERVISOR, R.ADMIN})
_HANDLE_ROLES = frozenset({R.HANDLER, R.OFFICER})
_VERIFY_ROLES = frozenset({R.OFFICER, R.DISPATCHER, R.ADMIN})

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            Action.REGISTER,
            frozenset({S.REPORTED}),
            S.REGISTERED,
            _DISPATCH_ROLES,
            frozenset(),
            _("Accept the report as a case (立案)."),
        ),
        Transition(
            Action.REJECT,
            frozenset({S.REPORTED, S.REGISTERED}),
            S.REJECTED,
            _DISPATCH_ROLES,
            frozenset({Requirement.NOTE}),
            _("Not a case: out of scope or no information (不予立案). Needs a reason."),
        ),
        Transition(
            Action.MERGE,
            frozenset({S.REPORTED, S.REGISTERED}),
            S.REJECTED,
            _DISPATCH_ROLES,
            frozenset({Requirement.MERGE_INTO}),
            _("A duplicate: close it and let its reporter follow the master case."),
        ),
        Transition(
            Action.DISPATCH,
            frozenset({S.REGISTERED}),
            S.DISPATCHED,
            _DISPATCH_ROLES,
            frozenset({Requirement.DEPARTMENT_OR_ASSIGNEE}),
            _("Send the case to a department or an officer (派遣)."),
        ),
        Transition(
            Action.ACCEPT,
            frozenset({S.DISPATCHED}),
            S.IN_PROGRESS,
            _HANDLE_ROLES,
            frozenset(),
            _("Take the dispatched case on (签收)."),
        ),
        Transition(
            Action.RETURN,
            frozenset({S.DISPATCHED, S.IN_PROGRESS}),
            S.REGISTERED,
            _HANDLE_ROLES,
            frozenset({Requirement.NOTE}),
            _("Send a misrouted case back to the command center (退单). Needs a reason."),
        ),
        Transition(
            Action.RESOLVE,
            frozenset({S.IN_PROGRESS}),
            S.RESOLVED,
            _HANDLE_ROLES,
            frozenset({Requirement.NOTE, Requirement.AFTER_PHOTO}),
            _("Report the work done, with a note and a photo of the result (处置反馈)."),
        ),
        Transition(
            Action.VERIFY_PASS,
            frozenset({S.RESOLVED}),
            S.CLOSED,
            _VERIFY_ROLES,
            frozenset(),
            _("Checked on site: the problem is gone; close the case (核查结案)."),
        ),
        Transition(
            Action.VERIFY_FAIL,
            frozenset({S.RESOLVED}),
            S.DISPATCHED,
            _VERIFY_ROLES,
            frozenset({Requirement.NOTE}),
            _("Checked on site: not fixed; back to the handler (返工). Needs a reason."),
        ),
        Transition(
            Action.REOPEN,
            frozenset({S.CLOSED}),
            S.REGISTERED,
            frozenset({R.RESIDENT, R.DISPATCHER, R.HOTLINE, R.ADMIN}),
            frozenset({Requirement.NOTE}),
            _("The reporter is not satisfied: reopen within the window. Needs a reason."),
        ),
        Transition(
            Action.SELF_HANDLE,
            frozenset({S.REPORTED}),
            S.RESOLVED,
            frozenset({R.OFFICER}),
            frozenset({Requirement.NOTE, Requirement.AFTER_PHOTO}),
            _("The grid officer fixed it on the spot, with a note and a photo of the result."),
        ),
    ]
}


def _works_in_cell(actor, case) -> bool:
    if case.cell_id is None:
        return False
    if case.responsible_officer_id == actor.pk:
        return True
    from apps.grid.models import CellUserObjectPermission

    return CellUserObjectPermission.objects.filter(
        user=actor, content_object_id=case.cell_id, permission__codename="work_in_cell"
    ).exists()


def reopen_window_open(case, at: datetime) -> bool:
    if case.closed_at is None:
        return False
    return at <= case.closed_at + timedelta(days=settings.GRIDOPS_REOPEN_WINDOW_DAYS)


def actor_may_take(*, transition: Transition, actor, case, at: datetime) -> bool:
    """May `actor` take `transition` on `case` (ignoring its current state)?

    The role must be listed in the transition; beyond that:
    - handlers act only on cases of their department or assigned to them; officers only on cases
      assigned to them (accept, return, resolve);
    - officers verify and self-handle only in cells they work in;
    - a resident reopens only their own report, and everyone only within the reopen window.
    Scope (supervisor's area, ...) is the selector's: the service first checks the case is visible.
    """
    role = getattr(actor, "role", None)
    if actor is None or not actor.is_authenticated or role not in transition.roles:
        return False
    action = transition.action
    if action in (Action.ACCEPT, Action.RETURN, Action.RESOLVE):
        if case.assignee_id is not None and case.assignee_id == actor.pk:
            return True
        return role == R.HANDLER and case.department_id is not None and case.department_id == actor.department_id
    if action in (Action.VERIFY_PASS, Action.VERIFY_FAIL, Action.SELF_HANDLE) and role == R.OFFICER:
        return _works_in_cell(actor, case)
    if action == Action.REOPEN:
        if role == R.RESIDENT and case.reporter_id != actor.pk:
            return False
        return reopen_window_open(case, at)
    return True
