"""Writes to the grid: areas, cells, officer assignments and leave.

An officer holds the guardian permission `grid.work_in_cell` on a cell exactly while one of their
assignments to it is in force: `assignment_create` grants it when the assignment starts at once,
`assignment_end` revokes it when it ends at once (unless another assignment of the same officer to
the same cell is in force), and `assignment_permissions_sync` (periodic, every minute) grants and
revokes it for the assignments that start or end on their own dates. A supervisor's scope is
`grid.supervise_area` on an area.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from apps.accounts.choices import Role
from apps.accounts.models import User
from gridops.errors import DomainError

from .choices import AssignmentKind
from .geometry import geometry_summary
from .models import Area, Cell, CellAssignment, CellUserObjectPermission, GridRevision, OfficerLeave

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
        raise DomainError(_("Only grid officers can be assigned to cells."), field="officer")


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
        raise DomainError(_("The end of an assignment must come after its start."), field="valid_until")
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
    if _in_force(assignment, timezone.now()):
        assign_perm(WORK_IN_CELL, officer, cell)
    return assignment


def _in_force(assignment: CellAssignment, at: datetime) -> bool:
    return assignment.valid_from <= at and (assignment.valid_until is None or assignment.valid_until > at)


def _in_force_q(at: datetime) -> Q:
    return Q(valid_from__lte=at) & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))


@transaction.atomic
def assignment_end(*, assignment: CellAssignment, at: datetime | None = None) -> CellAssignment:
    """End an assignment at `at` (now by default) and revoke the officer's permission on the cell."""
    at = at or timezone.now()
    if at <= assignment.valid_from:
        raise DomainError(_("An assignment cannot end before it starts."), field="valid_until")
    assignment.valid_until = at
    assignment.save(update_fields=["valid_until"])
    now = timezone.now()
    if at > now:
        return assignment  # ends later: the periodic sync revokes the permission then
    still_assigned = (
        CellAssignment.objects.filter(cell_id=assignment.cell_id, officer_id=assignment.officer_id)
        .exclude(pk=assignment.pk)
        .filter(_in_force_q(now))
        .exists()
    )
    if not still_assigned:
        remove_perm(WORK_IN_CELL, assignment.officer, assignment.cell)
    return assignment


@transaction.atomic
def assignment_permissions_sync(*, at: datetime | None = None) -> tuple[int, int]:
    """Make `grid.work_in_cell` match the assignments in force at `at` (now by default): grant it
    where an assignment has started, revoke it where none is in force any more (one ended, or
    was deleted). Returns (granted, revoked). Periodic (beat, every minute); idempotent."""
    from django.contrib.auth.models import Permission

    at = at or timezone.now()
    app_label, codename = WORK_IN_CELL.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    wanted = set(CellAssignment.objects.filter(_in_force_q(at)).values_list("officer_id", "cell_id"))
    held = dict(
        ((user_id, cell_id), pk)
        for pk, user_id, cell_id in CellUserObjectPermission.objects.filter(permission=permission).values_list(
            "pk", "user_id", "content_object_id"
        )
    )
    grant = wanted - held.keys()
    revoke = [pk for pair, pk in held.items() if pair not in wanted]
    CellUserObjectPermission.objects.bulk_create(
        [CellUserObjectPermission(permission=permission, user_id=u, content_object_id=c) for u, c in grant],
        batch_size=1000,
        ignore_conflicts=True,
    )
    for start in range(0, len(revoke), 1000):
        CellUserObjectPermission.objects.filter(pk__in=revoke[start : start + 1000]).delete()
    return len(grant), len(revoke)


def leave_create(*, officer: User, starts_at: datetime, ends_at: datetime, reason: str = "") -> OfficerLeave:
    _check_officer(officer)
    if ends_at <= starts_at:
        raise DomainError(_("A leave must end after it starts."), field="ends_at")
    return OfficerLeave.objects.create(officer=officer, starts_at=starts_at, ends_at=ends_at, reason=reason)


def supervisor_scope_grant(*, supervisor: User, area: Area) -> None:
    """Let a supervisor oversee `area` and everything below it."""
    if supervisor.role != Role.SUPERVISOR:
        raise DomainError(_("Only supervisors can be given an area to oversee."), field="supervisor")
    assign_perm(SUPERVISE_AREA, supervisor, area)


def supervisor_scope_revoke(*, supervisor: User, area: Area) -> None:
    remove_perm(SUPERVISE_AREA, supervisor, area)
