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

New cells never overlap the active cells already there (a second run on the same area would
otherwise lay a second set, and a point would lie in two cells). By default the generator
refuses, writing nothing, when any active cell, of whatever area, lies where a new cell would
go (`CellsExist`, counting those cells per area). With `skip_existing` it leaves alone every
owner (community, or the area itself) that already has active cells, and cuts the other new
cells where they would overlap an existing cell; a cut piece smaller than `min_fraction` is
dropped as a sliver. Inactive (retired) cells are not in the way, but their codes are not
reused.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
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
# Shared ground below this fraction of a new cell is rounding on a common edge, not an overlap.
OVERLAP_TOLERANCE = 1e-6
AREAS_LISTED = 10  # in messages; the rest are counted


@dataclass(frozen=True)
class GenerateReport:
    cells_created: int
    slivers_dropped: int
    cells_by_area: dict[str, int]  # area code -> cells created under it
    areas_skipped: dict[str, int] = field(default_factory=dict)  # area code -> its active cells


class CellsExist(DomainError):
    """Active cells lie where new cells would go; `cells_by_area` counts them per area code."""

    code = "cells_exist"

    def __init__(self, cells_by_area: dict[str, int]) -> None:
        super().__init__(
            _("Cells already exist where new cells would go: %(areas)s.")
            % {"areas": describe_cell_counts(cells_by_area)},
            field="area",
        )
        self.cells_by_area = cells_by_area


def describe_cell_counts(cells_by_area: dict[str, int]) -> str:
    """Cell counts per area as text, by area code: `440304001001 (2 cells), 440304001002 (1 cell)`;
    past AREAS_LISTED areas the rest are only counted."""
    codes = sorted(cells_by_area)
    text = ", ".join(
        ngettext("%(code)s (%(count)d cell)", "%(code)s (%(count)d cells)", cells_by_area[code])
        % {"code": code, "count": cells_by_area[code]}
        for code in codes[:AREAS_LISTED]
    )
    more = len(codes) - AREAS_LISTED
    if more > 0:
        text += " " + ngettext("… and %(count)d more area", "… and %(count)d more areas", more) % {"count": more}
    return text


def cells_generate(
    *, area: Area, size_m: float, min_fraction: float = 0.05, skip_existing: bool = False
) -> GenerateReport:
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
    pieces, dropped, square_area = _clip_squares(boundary, size_m, min_fraction)
    skipped: dict[str, int] = {}
    with transaction.atomic():
        # First: the revision row stays locked until this commits, so a second run waits and
        # then sees this one's cells instead of finding the ground empty too.
        grid_revision_bump()
        owners = _owners(area, pieces)
        codes, existing = _active_cells_meeting(boundary)
        if skip_existing:
            pieces, owners, skipped = _without_owners_having_cells(pieces, owners)
            pieces, owners, cut = _cut_away(pieces, owners, existing, square_area, min_fraction)
            dropped += cut
        else:
            in_the_way = _cells_in_the_way(pieces, codes, existing)
            if in_the_way:
                raise CellsExist(in_the_way)
        cells = _build_cells(area, pieces, owners)
        Cell.objects.bulk_create(cells, batch_size=1000)
    counts: dict[str, int] = defaultdict(int)
    for cell in cells:
        counts[cell.area.code] += 1
    return GenerateReport(
        cells_created=len(cells), slivers_dropped=dropped, cells_by_area=dict(counts), areas_skipped=skipped
    )


def _clip_squares(boundary, size_m: float, min_fraction: float) -> tuple[np.ndarray, int, float]:
    """The squares clipped to the boundary, in reading order, the number of slivers dropped and
    the area of a full square (in square degrees)."""
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
    return pieces[keep], int((~keep).sum()), dlon * dlat


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


def _active_cells_meeting(boundary) -> tuple[list[str], np.ndarray]:
    """The area codes and geometries of the active cells whose bounding box meets the boundary's."""
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    rows = Cell.objects.filter(
        is_active=True, min_lon__lte=max_lon, max_lon__gte=min_lon, min_lat__lte=max_lat, max_lat__gte=min_lat
    ).values_list("area__code", "geometry")
    codes = [code for code, _geometry in rows]
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [shape(geometry) for _code, geometry in rows]
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    return codes, geoms


def _shared_ground(pieces: np.ndarray, existing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (piece index, existing cell index) whose shared ground is more than rounding."""
    if not len(pieces) or not len(existing):
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    piece_idx, cell_idx = shapely.STRtree(existing).query(pieces, predicate="intersects")
    shared = shapely.area(shapely.intersection(pieces[piece_idx], existing[cell_idx]))
    real = shared > OVERLAP_TOLERANCE * shapely.area(pieces[piece_idx])
    return piece_idx[real], cell_idx[real]


def _cells_in_the_way(pieces: np.ndarray, codes: list[str], existing: np.ndarray) -> dict[str, int]:
    """Per area code, its existing cells that new pieces would overlap."""
    counts: dict[str, int] = defaultdict(int)
    for i in np.unique(_shared_ground(pieces, existing)[1]).tolist():
        counts[codes[i]] += 1
    return dict(counts)


def _without_owners_having_cells(
    pieces: np.ndarray, owners: list[Area]
) -> tuple[np.ndarray, list[Area], dict[str, int]]:
    """The pieces of owners without active cells; and per skipped owner's code, its active cells."""
    rows = (
        Cell.objects.filter(area_id__in={owner.pk for owner in owners}, is_active=True)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    having = dict(rows)
    keep = [i for i, owner in enumerate(owners) if owner.pk not in having]
    skipped = {owner.code: having[owner.pk] for owner in owners if owner.pk in having}
    return pieces[keep], [owners[i] for i in keep], skipped


def _cut_away(
    pieces: np.ndarray, owners: list[Area], existing: np.ndarray, square_area: float, min_fraction: float
) -> tuple[np.ndarray, list[Area], int]:
    """The pieces less the ground existing cells cover, and the number of cut pieces dropped as
    slivers (a piece covered whole is dropped without being counted)."""
    piece_idx, cell_idx = _shared_ground(pieces, existing)
    if not len(piece_idx):
        return pieces, owners, 0
    order = np.argsort(piece_idx, kind="stable")
    piece_idx, cell_idx = piece_idx[order], cell_idx[order]
    pieces = pieces.copy()
    which, starts = np.unique(piece_idx, return_index=True)
    for i, cells in zip(which.tolist(), np.split(cell_idx, starts[1:]), strict=True):
        pieces[i] = _polygonal(shapely.difference(pieces[i], shapely.union_all(existing[cells])))
    left = shapely.area(pieces[which]) / square_area
    keep = np.ones(len(pieces), dtype=bool)
    keep[which] = left >= max(min_fraction, 1e-12)
    slivers = int(((left < max(min_fraction, 1e-12)) & (left > OVERLAP_TOLERANCE)).sum())
    return pieces[keep], [owners[i] for i in np.flatnonzero(keep).tolist()], slivers


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
