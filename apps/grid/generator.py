"""Cover an area's boundary with square grid cells of a given size.

Squares of `size_m` metres (100 m gives the 10,000 m² unit grid of the Dongcheng model; a
responsibility grid is a few hundred metres) are laid from the south-west corner of the
boundary's bounding box, on a local equirectangular projection, and clipped to the boundary.
A clipped piece smaller than `min_fraction` of a full square is dropped as a sliver (its ground
stays with no cell: merge it by hand or pick another size).

Each cell belongs to a community and is coded like national codes: the community's code and a
3-digit sequence (4 digits when a community gets more than 999 cells), numbered in reading
order (north to south, west to east) after the community's existing cells. When the area is
above community level, each cell goes to the community whose boundary contains a point of the
cell (`point_on_surface`, which unlike the centroid is always inside the cell); cells of an area
whose communities have no geometry, or that fall in no community, belong to the area itself.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from gridops.errors import DomainError

from .choices import AreaLevel
from .geometry import EARTH_RADIUS_M
from .importer import by_codes
from .models import Area, Cell
from .services import grid_revision_bump

MIN_SIZE_M, MAX_SIZE_M = 10, 10_000
MAX_SQUARES = 2_000_000
POLYGONAL = {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON}


@dataclass(frozen=True)
class GenerateReport:
    cells_created: int
    slivers_dropped: int
    cells_by_area: dict[str, int]  # area code -> cells created under it


def cells_generate(*, area: Area, size_m: float, min_fraction: float = 0.05) -> GenerateReport:
    """Create square cells of `size_m` metres covering `area`'s boundary (see the module docstring)."""
    if not area.geometry:
        raise DomainError(_("The area %(code)s has no boundary to cover.") % {"code": area.code}, field="area")
    if not (MIN_SIZE_M <= size_m <= MAX_SIZE_M):
        raise DomainError(
            _("The cell size must be between %(min)d and %(max)d metres.") % {"min": MIN_SIZE_M, "max": MAX_SIZE_M},
            field="size",
        )
    if not (0 <= min_fraction < 1):
        raise DomainError(_("The sliver fraction must be at least 0 and below 1."), field="min_fraction")
    boundary = shape(area.geometry)
    if not boundary.is_valid:
        boundary = shapely.make_valid(boundary)
    pieces, dropped = _clip_squares(boundary, size_m, min_fraction)
    owners = _owners(area, pieces)
    cells = _build_cells(area, pieces, owners)
    with transaction.atomic():
        Cell.objects.bulk_create(cells, batch_size=1000)
        grid_revision_bump()
    counts: dict[str, int] = defaultdict(int)
    for cell in cells:
        counts[cell.area.code] += 1
    return GenerateReport(cells_created=len(cells), slivers_dropped=dropped, cells_by_area=dict(counts))


def _clip_squares(boundary, size_m: float, min_fraction: float) -> tuple[np.ndarray, int]:
    """The squares clipped to the boundary, in reading order, and the number of slivers dropped."""
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    dlat = size_m / (EARTH_RADIUS_M * math.radians(1))
    dlon = dlat / math.cos(math.radians((min_lat + max_lat) / 2))
    nx, ny = max(1, math.ceil((max_lon - min_lon) / dlon)), max(1, math.ceil((max_lat - min_lat) / dlat))
    if nx * ny > MAX_SQUARES:
        raise DomainError(
            _("%(count)d squares of this size would be needed; choose a larger size.") % {"count": nx * ny},
            field="size",
        )
    rows, cols = np.divmod(np.arange(nx * ny), nx)
    top = max_lat - rows * dlat  # row 0 is the northernmost
    west = min_lon + cols * dlon
    squares = shapely.box(west, top - dlat, west + dlon, top)
    shapely.prepare(boundary)
    squares = squares[shapely.intersects(boundary, squares)]
    inside = shapely.covers(boundary, squares)
    pieces = squares.copy()
    partial = ~inside
    if partial.any():
        clipped = shapely.intersection(squares[partial], boundary)
        polygonal = np.empty(len(clipped), dtype=object)
        polygonal[:] = [_polygonal(piece) for piece in clipped]
        pieces[partial] = polygonal
    fraction = shapely.area(pieces) / shapely.area(squares)
    keep = fraction >= max(min_fraction, 1e-12)
    return pieces[keep], int((~keep).sum())


def _polygonal(geom):
    """The polygonal part of a clip (touching squares give lines and points as well)."""
    if shapely.get_type_id(geom) in POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _owners(area: Area, pieces: np.ndarray) -> list[Area]:
    """The area each piece belongs to: its community (see the module docstring) or `area`."""
    if area.level == AreaLevel.COMMUNITY or not len(pieces):
        return [area] * len(pieces)
    communities = list(
        Area.objects.filter(path__startswith=area.path, level=AreaLevel.COMMUNITY, geometry__isnull=False).order_by(
            "code"
        )
    )
    if not communities:
        return [area] * len(pieces)
    tree = shapely.STRtree([shape(c.geometry) for c in communities])
    points = shapely.point_on_surface(pieces)
    where, which = tree.query(points, predicate="intersects")
    owner = [area] * len(pieces)
    for piece, community in sorted(zip(where.tolist(), which.tolist(), strict=True), reverse=True):
        owner[piece] = communities[community]  # reverse order: the smallest code is written last
    return owner


def _build_cells(area: Area, pieces: np.ndarray, owners: list[Area]) -> list[Cell]:
    by_owner: dict[int, list[int]] = defaultdict(list)
    for i, owner in enumerate(owners):
        by_owner[owner.pk].append(i)
    owner_of = {owner.pk: owner for owner in owners}
    geojson = shapely.to_geojson(pieces)
    bounds = shapely.bounds(pieces)
    highest = _highest_sequences(list(owner_of.values()))
    cells: list[Cell] = []
    for pk, indexes in by_owner.items():
        owner = owner_of[pk]
        start = highest.get(pk, 0) + 1
        last = start + len(indexes) - 1
        if last > 9999:
            raise DomainError(
                _("The area %(code)s would get more than 9999 cells; choose a larger size.") % {"code": owner.code},
                field="size",
            )
        digits = 3 if last <= 999 else 4
        _check_fits(owner, f"{owner.code}{last:0{digits}d}", f"{owner.name}第{last}网格")
        lat0 = math.radians((bounds[indexes, 1].mean() + bounds[indexes, 3].mean()) / 2)
        m2_per_deg2 = math.radians(1) ** 2 * EARTH_RADIUS_M**2 * math.cos(lat0)
        for n, i in enumerate(indexes, start=start):
            code = f"{owner.code}{n:0{digits}d}"
            min_lon, min_lat, max_lon, max_lat = bounds[i].tolist()
            cells.append(
                Cell(
                    code=code,
                    name=f"{owner.name}第{n}网格",
                    name_en=f"{owner.name_en or owner.code} grid {n}",
                    area=owner,
                    path=f"{owner.path}{code}/",
                    geometry=json.loads(geojson[i]),
                    min_lon=min_lon,
                    min_lat=min_lat,
                    max_lon=max_lon,
                    max_lat=max_lat,
                    area_m2=float(shapely.area(pieces[i])) * m2_per_deg2,
                )
            )
    taken = [c.code for c in by_codes(Cell.objects.only("code"), [c.code for c in cells])][:5]
    if taken:
        raise DomainError(_("Cell codes already taken: %(codes)s.") % {"codes": ", ".join(taken)}, field="area")
    return cells


def _check_fits(owner: Area, code: str, name: str) -> None:
    """The longest code and name the owner's cells get must fit the columns (PostgreSQL refuses
    them, SQLite would store them)."""
    code_max, name_max = Cell._meta.get_field("code").max_length, Cell._meta.get_field("name").max_length
    if len(code) > code_max or len(name) > name_max:
        raise DomainError(
            _(
                "The cells of %(code)s would get codes or names too long for a cell "
                "(at most %(code_max)d and %(name_max)d characters); shorten the area's code or name."
            )
            % {"code": owner.code, "code_max": code_max, "name_max": name_max},
            field="area",
        )


def _highest_sequences(owners: list[Area]) -> dict[int, int]:
    """Per owner pk, the highest sequence among its cells coded `<owner code><3 or 4 digits>`."""
    code_of = {owner.pk: owner.code for owner in owners}
    highest: dict[int, int] = {}
    for area_id, code in Cell.objects.filter(area_id__in=code_of).values_list("area_id", "code"):
        match = re.fullmatch(rf"{re.escape(code_of[area_id])}(\d{{3,4}})", code)
        if match:
            highest[area_id] = max(highest.get(area_id, 0), int(match.group(1)))
    return highest
