"""Demo data: a synthetic city shaped like Shenzhen (深圳市 440300).

Nine districts with their real names and codes, their real subdistricts (74), synthetic
communities ("福苑社区"), square grid cells of `cell_size_m` metres clipped to the communities
(geometry in `apps.demo.shapes`), and the people who work them: an officer for every cell (one
officer holds one to three neighbouring cells, a colleague is their backup, one officer is on
leave now), a supervisor for every community, subdistrict and district and one for the city,
departments with a head and a handler each, dispatchers, hotline operators, residents and an
admin. Seeded: the same city every time.

Areas, cells, users, assignments and their guardian permissions are written in bulk (a few
dozen queries for thousands of rows); supervisors' scopes and the leave go through the grid
services. The grid revision moves once at the end.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from apps.grid import services as grid_services
from apps.grid.choices import AreaLevel, AssignmentKind
from apps.grid.geometry import approx_area_m2, geometry_summary
from apps.grid.models import Area, Cell, CellAssignment, CellUserObjectPermission

from . import shapes
from .categories import DEPARTMENTS
from .people import PeopleBuilder

SEED = 440300
CELL_SIZE_M = 600
COMMUNITY_KM2 = 2.5  # about one community per 2.5 km², 4 to 18 per subdistrict
CITY_CODE, CITY_NAME, CITY_NAME_EN = "440300", "深圳市", "Shenzhen"
DEMO_SUBDISTRICT = "440304001"  # 福田街道: where the demo officer works
RESIDENTS = 30


@dataclass(frozen=True)
class CityReport:
    districts: int
    subdistricts: int
    communities: int
    cells: int
    officers: int
    users: int
    seconds: float


def _out(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _area(code: str, name: str, name_en: str, level: str, parent: Area | None, geom) -> Area:
    geojson = shapes.geojson(geom)
    area = Area(
        code=code,
        name=name,
        name_en=name_en,
        level=level,
        parent=parent,
        path=grid_services.area_path_for(code=code, parent=parent),
        geometry=geojson,
    )
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = geometry_summary(geojson).bbox
    return area


def _build_areas(rng: random.Random) -> tuple[Area, list[Area], list[Area], list[tuple[Area, object]]]:
    """Create the area tree; returns the city, districts, subdistricts and (community, shape) pairs."""
    city = Area.objects.bulk_create(
        [_area(CITY_CODE, CITY_NAME, CITY_NAME_EN, AreaLevel.CITY, None, shapes.city_outline())]
    )[0]
    district_geoms = shapes.district_shapes()
    districts = Area.objects.bulk_create(
        [
            _area(code, name, name_en, AreaLevel.DISTRICT, city, geom)
            for (code, name, name_en, _seeds), geom in zip(shapes.DISTRICTS, district_geoms, strict=True)
        ]
    )
    subdistricts, sub_geoms = [], []
    for district, geom in zip(districts, district_geoms, strict=True):
        names = shapes.SUBDISTRICTS[district.code]
        for n, (name, name_en), part in zip(range(1, 99), names, shapes.split(geom, len(names), rng), strict=False):
            subdistricts.append(
                _area(
                    f"{district.code}{n:03d}",
                    f"{name}街道",
                    f"{name_en} Subdistrict",
                    AreaLevel.SUBDISTRICT,
                    district,
                    part,
                )
            )
            sub_geoms.append(part)
    subdistricts = Area.objects.bulk_create(subdistricts)
    community_names = iter(shapes.community_names(rng))
    communities, com_geoms = [], []
    for sub, geom in zip(subdistricts, sub_geoms, strict=True):
        count = max(4, min(18, round(approx_area_m2(geom) / 1e6 / COMMUNITY_KM2)))
        for n, part in enumerate(shapes.split(geom, count, rng), start=1):
            name, name_en = next(community_names)
            communities.append(
                _area(f"{sub.code}{n:03d}", f"{name}社区", f"{name_en} Community", AreaLevel.COMMUNITY, sub, part)
            )
            com_geoms.append(part)
    communities = Area.objects.bulk_create(communities, batch_size=500)
    return city, districts, subdistricts, list(zip(communities, com_geoms, strict=True))


def _build_cells(communities: list[tuple[Area, object]], cell_size_m: float) -> dict[int, list[Cell]]:
    """Cells of every community in reading order, keyed by community id."""
    min_lon, min_lat = shapes.city_outline().bounds[:2]
    step = shapes.metres_to_degrees(cell_size_m, 22.65)
    cells: list[Cell] = []
    for community, geom in communities:
        pieces = shapes.cells_for(geom, origin=(min_lon, min_lat), step=step)
        width = 3 if len(pieces) < 1000 else 4
        for n, piece in enumerate(pieces, start=1):
            geojson = shapes.geojson(piece)
            summary = geometry_summary(geojson)
            code = f"{community.code}{n:0{width}d}"
            cell = Cell(
                code=code,
                name=f"{community.name}第{n}网格",
                name_en=f"{community.name_en} grid {n}",
                area=community,
                path=f"{community.path}{code}/",
                geometry=geojson,
                area_m2=summary.area_m2,
            )
            cell.min_lon, cell.min_lat, cell.max_lon, cell.max_lat = summary.bbox
            cells.append(cell)
    Cell.objects.bulk_create(cells, batch_size=500)
    by_community: dict[int, list[Cell]] = {}
    for cell in cells:
        by_community.setdefault(cell.area_id, []).append(cell)
    return by_community


def _departments() -> dict[str, Department]:
    existing = {d.code: d for d in Department.objects.all()}
    Department.objects.bulk_create(
        [
            Department(code=code, name=name, name_en=name_en)
            for code, name, name_en in DEPARTMENTS
            if code not in existing
        ]
    )
    return {d.code: d for d in Department.objects.all()}


def _chunks(cells: list[Cell], rng: random.Random, first: int | None = None) -> list[list[Cell]]:
    """Split a community's cells (reading order, so neighbours) into runs of one to three."""
    runs, i = [], 0
    while i < len(cells):
        size = first if (first and not runs) else rng.choices([1, 2, 3], weights=[3, 4, 3])[0]
        runs.append(cells[i : i + size])
        i += size
    return runs


def _supervisors(
    people: PeopleBuilder,
    city: Area,
    districts: list[Area],
    subdistricts: list[Area],
    communities: list[Area],
    demo_community: Area,
) -> dict[int, User]:
    """A supervisor for every area, each reporting to the one above; keyed by area id."""
    special = {
        city.code: "supervisor_city",
        "440304": "supervisor",
        DEMO_SUBDISTRICT: "supervisor_subdistrict",
        demo_community.code: "supervisor_community",
    }
    by_area: dict[int, User] = {}
    for level in ([city], districts, subdistricts, communities):
        for area in level:
            boss = by_area.get(area.parent_id) if area.parent_id else None
            by_area[area.pk] = people.add(special.get(area.code, f"sup{area.code}"), Role.SUPERVISOR, reports_to=boss)
        people.save()  # the next level reports to this one: it needs primary keys
    return by_area


def _staff(people: PeopleBuilder, departments: dict[str, Department], city_supervisor: User) -> None:
    heads = {}
    for code, dept in departments.items():
        heads[code] = people.add(f"{code.lower()}_head", Role.HANDLER, department=dept, reports_to=city_supervisor)
    people.save()
    for code, dept in departments.items():
        people.add(
            "handler" if code == "SAN" else f"{code.lower()}_handler",
            Role.HANDLER,
            department=dept,
            reports_to=heads[code],
        )
    people.add("admin", Role.ADMIN, full_name="系统管理员", is_staff=True, is_superuser=True)
    for n in range(1, 4):
        people.add("dispatcher" if n == 1 else f"dispatcher{n}", Role.DISPATCHER, reports_to=city_supervisor)
    for n in range(1, 3):
        people.add("hotline" if n == 1 else f"hotline{n}", Role.HOTLINE)
    for n in range(1, RESIDENTS + 1):
        people.add("resident" if n == 1 else f"resident{n}", Role.RESIDENT)
    people.save()


def _officers(
    people: PeopleBuilder,
    cells_by_community: dict[int, list[Cell]],
    communities: list[Area],
    supervisors: dict[int, User],
    demo_community: Area,
    rng: random.Random,
):
    """An officer for every run of cells; returns [(officer, cells, backup officer or None)]."""
    runs = []
    count = 0
    for community in communities:
        is_demo = community.pk == demo_community.pk
        chunks = _chunks(cells_by_community.get(community.pk, []), rng, first=3 if is_demo else None)
        officers = []
        for n, chunk in enumerate(chunks):
            count += 1
            username = {0: "officer", 1: "officer2"}.get(n, f"officer{count:05d}") if is_demo else f"officer{count:05d}"
            officers.append(people.add(username, Role.OFFICER, reports_to=supervisors[community.pk]))
            runs.append((officers[-1], chunk, None))
        if len(officers) > 1:  # each officer's backup is the colleague before them (the first's: the last)
            start = len(runs) - len(officers)
            for k in range(len(officers)):
                officer, chunk, _ = runs[start + k]
                runs[start + k] = (officer, chunk, officers[k - 1])
    people.save()
    return runs


def _assign(runs, valid_from) -> int:
    """Primary and backup assignments with their `grid.work_in_cell` permissions, in bulk."""
    permission = Permission.objects.get(content_type__app_label="grid", codename="work_in_cell")
    assignments, grants = [], set()
    for officer, chunk, backup in runs:
        for cell in chunk:
            assignments.append(
                CellAssignment(cell=cell, officer=officer, kind=AssignmentKind.PRIMARY, valid_from=valid_from)
            )
            grants.add((officer.pk, cell.pk))
            if backup is not None:
                assignments.append(
                    CellAssignment(cell=cell, officer=backup, kind=AssignmentKind.BACKUP, valid_from=valid_from)
                )
                grants.add((backup.pk, cell.pk))
    CellAssignment.objects.bulk_create(assignments, batch_size=2000)
    CellUserObjectPermission.objects.bulk_create(
        [CellUserObjectPermission(user_id=u, content_object_id=c, permission=permission) for u, c in sorted(grants)],
        batch_size=2000,
    )
    return len(assignments)


@transaction.atomic
def load(*, stdout=None, cell_size_m: float = CELL_SIZE_M) -> CityReport:
    """Load the demo city into an empty grid."""
    if Area.objects.exists():
        raise CommandError(
            "The database already has a grid: the demo city loads only into an empty one "
            "(use load_demo --if-empty to keep existing data)."
        )
    if User.objects.filter(username="admin").exists():
        raise CommandError("A user named 'admin' exists already: the demo city loads only into an empty database.")
    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    city, districts, subdistricts, community_shapes = _build_areas(rng)
    communities = [c for c, _ in community_shapes]
    cells_by_community = _build_cells(community_shapes, cell_size_m)
    demo_community = next(
        c for c in communities if c.parent_id == next(s.pk for s in subdistricts if s.code == DEMO_SUBDISTRICT)
    )

    people = PeopleBuilder(rng=rng)
    supervisors = _supervisors(people, city, districts, subdistricts, communities, demo_community)
    for area_id, supervisor in supervisors.items():
        grid_services.supervisor_scope_grant(supervisor=supervisor, area=Area(pk=area_id))
    _staff(people, _departments(), supervisors[city.pk])
    runs = _officers(people, cells_by_community, communities, supervisors, demo_community, rng)
    assignments = _assign(runs, valid_from=now - timedelta(days=365))

    on_leave = User.objects.get(username="officer2")
    grid_services.leave_create(
        officer=on_leave,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=6),
        reason="年假 / annual leave",
    )
    grid_services.grid_revision_bump()

    cells = sum(len(v) for v in cells_by_community.values())
    report = CityReport(
        districts=len(districts),
        subdistricts=len(subdistricts),
        communities=len(communities),
        cells=cells,
        officers=len(runs),
        users=User.objects.count(),
        seconds=round(time.monotonic() - started, 1),
    )
    _out(
        stdout,
        f"City: {report.districts} districts, {report.subdistricts} subdistricts, "
        f"{report.communities} communities, {report.cells} cells ({cell_size_m:g} m), "
        f"{report.officers} officers, {assignments} assignments, {report.users} users "
        f"in {report.seconds} s.",
    )
    return report
