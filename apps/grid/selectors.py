"""Reads of the grid: who is responsible for a cell at a moment, areas a user oversees."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from apps.accounts.models import User

from .choices import AssignmentKind
from .models import Area, Cell, CellAssignment, OfficerLeave


def assignments_in_force(*, at: datetime) -> QuerySet[CellAssignment]:
    return CellAssignment.objects.filter(valid_from__lte=at).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))


def cell_responsible_officer(*, cell: Cell, at: datetime | None = None) -> User | None:
    """The officer responsible for `cell` at `at` (now by default).

    The primary assignment in force, unless that officer is on leave: then the first backup
    in force who is not on leave (earliest assignment first). If everyone is away, the primary.
    """
    at = at or timezone.now()
    assignments = list(
        assignments_in_force(at=at).filter(cell=cell).select_related("officer").order_by("kind", "valid_from", "id")
    )
    if not assignments:
        return None
    officer_ids = {a.officer_id for a in assignments}
    away = set(
        OfficerLeave.objects.filter(officer_id__in=officer_ids, starts_at__lte=at, ends_at__gt=at).values_list(
            "officer_id", flat=True
        )
    )
    primaries = [a for a in assignments if a.kind == AssignmentKind.PRIMARY]
    backups = [a for a in assignments if a.kind == AssignmentKind.BACKUP]
    for candidate in primaries + backups:
        if candidate.officer_id not in away:
            return candidate.officer
    return primaries[0].officer if primaries else backups[0].officer


def area_ancestors(*, area: Area) -> list[Area]:
    """The area's path from the city down to the area itself, in one query."""
    codes = [c for c in area.path.split("/") if c]
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def areas_supervised_by(*, user: User) -> QuerySet[Area]:
    return get_objects_for_user(
        user, "grid.supervise_area", klass=Area, accept_global_perms=False, with_superuser=False
    )


def cells_worked_by(*, user: User) -> QuerySet[Cell]:
    return get_objects_for_user(user, "grid.work_in_cell", klass=Cell, accept_global_perms=False, with_superuser=False)


def cells_responsible_officers(*, cell_ids: list[int], at: datetime | None = None) -> dict[int, User]:
    """`cell_responsible_officer` for many cells at once, in two queries (maps, lists)."""
    at = at or timezone.now()
    assignments = list(
        assignments_in_force(at=at)
        .filter(cell_id__in=cell_ids)
        .select_related("officer")
        .order_by("cell_id", "kind", "valid_from", "id")
    )
    officer_ids = {a.officer_id for a in assignments}
    away = set(
        OfficerLeave.objects.filter(officer_id__in=officer_ids, starts_at__lte=at, ends_at__gt=at).values_list(
            "officer_id", flat=True
        )
    )
    by_cell: dict[int, list[CellAssignment]] = {}
    for assignment in assignments:
        by_cell.setdefault(assignment.cell_id, []).append(assignment)
    answer: dict[int, User] = {}
    for cell_id, candidates in by_cell.items():
        # The same rule as cell_responsible_officer: primaries first, then backups; if all are away, the primary.
        ordered = [a for a in candidates if a.kind == AssignmentKind.PRIMARY] + [
            a for a in candidates if a.kind == AssignmentKind.BACKUP
        ]
        present = next((a for a in ordered if a.officer_id not in away), ordered[0])
        answer[cell_id] = present.officer
    return answer
