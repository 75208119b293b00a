"""Writes to the grid: areas, cells, officer assignments and leave.

Assigning an officer to a cell grants the guardian permission `grid.work_in_cell` on it;
ending the assignment revokes it (unless another assignment of the same officer to the same
cell is still in force). A supervisor's scope is `grid.supervise_area` on an area.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from apps.accounts.choices import Role
from apps.accounts.models import User
from gridops.errors import DomainError

from .choices import AssignmentKind
from .geometry import geometry_summary
from .models import Area, Cell, CellAssignment, GridRevision, OfficerLeave

WORK_IN_CELL = "grid.work_in_cell"
SUPERVISE_AREA = "grid.supervise_area"


def grid_revision_bump() -> None:
    """Tell every process that the grid changed (their locator index rebuilds)."""
    updated = GridRevision.objects.filter(pk=1).update(revision=F("revision") + 1, changed_at=timezone.now())
    if not updated:
        GridRevision.objects.get_or_create(pk=1, defaults={"revision": 1})
    transaction.on_commit(_clear_local_locator)


def _clear_local_locator() -> None:
    from .locator import locator_invalidate

    locator_invalidate()


def area_path_for(*, code: str, parent: Area | None) -> str:
    return f"{parent.path if parent else ''}{code}/"


def area_create(
    *, code: str, name: str, level: str, parent: Area | None = None, name_en: str = "", geometry: dict | None = None
) -> Area:
    area = Area(
        code=code,
        name=name,
        name_en=name_en,
        level=level,
        parent=parent,
        path=area_path_for(code=code, parent=parent),
        geometry=geometry,
    )
    if geometry:
        summary = geometry_summary(geometry)
        area.min_lon, area.min_lat, area.max_lon, area.max_lat = summary.bbox
    area.save()
    grid_revision_bump()
    return area


def cell_create(*, code: str, name: str, area: Area, geometry: dict, name_en: str = "") -> Cell:
    summary = geometry_summary(geometry)
    cell = Cell(
        code=code,
        name=name,
        name_en=name_en,
        area=area,
        path=f"{area.path}{code}/",
        geometry=geometry,
        area_m2=summary.area_m2,
    )
    cell.min_lon, cell.min_lat, cell.max_lon, cell.max_lat = summary.bbox
    cell.save()
    grid_revision_bump()
    return cell


def _check_officer(officer: User) -> None:
    if officer.role != Role.OFFICER:
        raise DomainError("Only grid officers can be assigned to cells.", field="officer")


@transaction.atomic
def assignment_create(
    *,
    cell: Cell,
    officer: User,
    kind: str = AssignmentKind.PRIMARY,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> CellAssignment:
    """Make `officer` responsible for `cell` (primary or backup) from `valid_from`.

    A new primary assignment ends the primary assignment in force at that moment.
    """
    _check_officer(officer)
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        raise DomainError("The end of an assignment must come after its start.", field="valid_until")
    if kind == AssignmentKind.PRIMARY:
        current = (
            CellAssignment.objects.select_for_update()
            .filter(cell=cell, kind=AssignmentKind.PRIMARY, valid_from__lt=valid_from)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from))
        )
        for previous in current:
            assignment_end(assignment=previous, at=valid_from)
    assignment = CellAssignment.objects.create(
        cell=cell, officer=officer, kind=kind, valid_from=valid_from, valid_until=valid_until
    )
    assign_perm(WORK_IN_CELL, officer, cell)
    return assignment


@transaction.atomic
def assignment_end(*, assignment: CellAssignment, at: datetime | None = None) -> CellAssignment:
    """End an assignment at `at` (now by default) and revoke the officer's permission on the cell."""
    at = at or timezone.now()
    if at <= assignment.valid_from:
        raise DomainError("An assignment cannot end before it starts.", field="valid_until")
    assignment.valid_until = at
    assignment.save(update_fields=["valid_until"])
    still_assigned = (
        CellAssignment.objects.filter(cell_id=assignment.cell_id, officer_id=assignment.officer_id)
        .exclude(pk=assignment.pk)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=timezone.now()))
        .exists()
    )
    if not still_assigned:
        remove_perm(WORK_IN_CELL, assignment.officer, assignment.cell)
    return assignment


def leave_create(*, officer: User, starts_at: datetime, ends_at: datetime, reason: str = "") -> OfficerLeave:
    _check_officer(officer)
    if ends_at <= starts_at:
        raise DomainError("A leave must end after it starts.", field="ends_at")
    return OfficerLeave.objects.create(officer=officer, starts_at=starts_at, ends_at=ends_at, reason=reason)


def supervisor_scope_grant(*, supervisor: User, area: Area) -> None:
    """Let a supervisor oversee `area` and everything below it."""
    if supervisor.role != Role.SUPERVISOR:
        raise DomainError("Only supervisors can be given an area to oversee.", field="supervisor")
    assign_perm(SUPERVISE_AREA, supervisor, area)


def supervisor_scope_revoke(*, supervisor: User, area: Area) -> None:
    remove_perm(SUPERVISE_AREA, supervisor, area)
