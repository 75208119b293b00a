"""Reads of the grid: who is responsible for a cell at a moment, areas a user oversees, the
communities the report forms offer."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from apps.accounts.models import User

from .choices import AreaLevel, AssignmentKind
from .models import Area, Cell, CellAssignment, OfficerLeave


def cell_responsible_officer(*, cell: Cell | int, at: datetime | None = None) -> User | None:
    """The officer responsible for `cell` (a Cell or its id) at `at` (now by default).

    The primary assignment in force, unless that officer is on leave: then the first backup
    in force who is not on leave (earliest assignment first). If everyone is away, the primary.
    A deactivated account is never responsible (its assignments are as good as ended).
    """
    officer_id = cell_responsible_officer_id(cell=cell, at=at)
    return User.objects.filter(pk=officer_id).first() if officer_id is not None else None


def cell_responsible_officer_id(*, cell: Cell | int, at: datetime | None = None) -> int | None:
    """`cell_responsible_officer`, as the officer's id, in one short query (intake routes every report)."""
    cell_id = getattr(cell, "pk", cell)
    return _responsible_officer_ids(cell_ids=[cell_id], at=at or timezone.now()).get(cell_id)


def cells_responsible_officer_ids(*, cell_ids, at: datetime | None = None) -> dict[int, int]:
    """cell id -> the officer answering for it at `at` (now by default), for many cells in one
    query; a cell nobody answers for is absent."""
    return _responsible_officer_ids(cell_ids=sorted(set(cell_ids)), at=at or timezone.now())


def _responsible_officer_ids(*, cell_ids: list[int], at: datetime) -> dict[int, int]:
    """cell id -> responsible officer id, by the rule of `cell_responsible_officer`.

    Plain SQL: this runs for every report, and building the equivalent ORM query (an EXISTS
    annotation and an OR) costs several times the database's own work.
    """
    if not cell_ids:
        return {}
    q = connection.ops.quote_name
    assignment, leave, user = CellAssignment._meta, OfficerLeave._meta, User._meta
    when = connection.ops.adapt_datetimefield_value(at)
    marks = ", ".join(["%s"] * len(cell_ids))
    sql = (
        f"SELECT a.cell_id, a.officer_id, a.kind, EXISTS (SELECT 1 FROM {q(leave.db_table)} l"
        " WHERE l.officer_id = a.officer_id AND l.starts_at <= %s AND l.ends_at > %s)"
        f" FROM {q(assignment.db_table)} a JOIN {q(user.db_table)} u ON u.id = a.officer_id AND u.is_active"
        f" WHERE a.cell_id IN ({marks}) AND a.valid_from <= %s AND (a.valid_until IS NULL OR a.valid_until > %s)"
        " ORDER BY a.cell_id, a.valid_from, a.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [when, when, *cell_ids, when, when])
        rows = cursor.fetchall()
    by_cell: dict[int, list[tuple]] = {}
    for cell_id, officer_id, kind, away in rows:
        by_cell.setdefault(cell_id, []).append((officer_id, kind, bool(away)))
    answer: dict[int, int] = {}
    for cell_id, candidates in by_cell.items():
        # Primaries first, then backups, each by their start; if all are away, the first of them.
        ordered = [c for c in candidates if c[1] == AssignmentKind.PRIMARY] + [
            c for c in candidates if c[1] == AssignmentKind.BACKUP
        ]
        present = next((c for c in ordered if not c[2]), ordered[0])
        answer[cell_id] = present[0]
    return answer


def area_ancestors(*, area: Area) -> list[Area]:
    """The area's path from the city down to the area itself, in one query."""
    codes = [c for c in area.path.split("/") if c]
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def community_list() -> list[Area]:
    """Every community (社区) with its subdistrict and district, in the grid's order, in one query,
    for the report forms' community chooser. Boundaries are not read: they are large."""
    return list(
        Area.objects.filter(level=AreaLevel.COMMUNITY)
        .select_related("parent__parent")
        .only(
            "id",
            "code",
            "name",
            "name_en",
            "path",
            "parent__id",
            "parent__name",
            "parent__name_en",
            "parent__parent__id",
            "parent__parent__name",
            "parent__parent__name_en",
        )
        .order_by("path")
    )


def areas_supervised_by(*, user: User) -> QuerySet[Area]:
    return get_objects_for_user(
        user, "grid.supervise_area", klass=Area, accept_global_perms=False, with_superuser=False
    )


def cells_worked_by(*, user: User) -> QuerySet[Cell]:
    return get_objects_for_user(user, "grid.work_in_cell", klass=Cell, accept_global_perms=False, with_superuser=False)


def cells_responsible_officers(*, cell_ids: list[int], at: datetime | None = None) -> dict[int, User]:
    """`cell_responsible_officer` for many cells at once, in two queries (maps, lists)."""
    ids = _responsible_officer_ids(cell_ids=list(cell_ids), at=at or timezone.now())
    officers = User.objects.in_bulk(set(ids.values()))
    return {cell_id: officers[officer_id] for cell_id, officer_id in ids.items() if officer_id in officers}
