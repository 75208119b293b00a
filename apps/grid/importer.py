"""Import areas and cells from a GeoJSON FeatureCollection, validated and atomic.

Two property layouts are understood:
- the administrative-boundary files published by DataV/aliyun (and gridops' own export):
  `adcode`, `name`, `level` (city, district, street, community…) and `parent` = `{"adcode": …}`
  or a plain code;
- any other file, with the property names given (`code_field`, `name_field`, …) and, if the file
  has no level, a `level` for every feature (`as_cells=True` imports cells).
DataV/aliyun boundaries are published in GCJ-02: import them with `crs="gcj02"`.

Rules:
- A feature whose level is `grid`/`cell` (or every feature with `as_cells`) is a cell; it needs a
  parent area (in the file, in the database, or `parent`).
- An area's parent is looked up in the file, then in the database; the file's top features (no
  parent, or one found in neither) are attached under `parent` when it is given. Otherwise an
  area without a parent becomes a top-level area, and an unknown parent is an error. gridops' tree starts at the city, so a city's own parent (its province) is
  ignored; a province or country feature is refused.
- A child's level must be below its parent's level.
- Codes, names and levels are texts or numbers; a code has no "/" (it separates the codes of a path).
- Geometry: Polygon or MultiPolygon nested as GeoJSON says, closed rings of at least 4 positions,
  valid (no self-intersection), coordinates [lon, lat] within range; converted from `crs` to WGS84
  on the way in. Areas may have no geometry; cells must, and a cell must lie in its parent area
  when that has a boundary: the cell's `point_on_surface` (the point `generator` assigns a cell to
  its community by) must be in it.
- A code may appear once in the file, and not already in the database unless `update=True`
  (then name, level, geometry and — for cells — the parent area are updated; moving an area to
  another parent is refused because its whole subtree would move, and so is a level that is not
  above the levels of the area's children). Rows the file does not change are not written.
- Any problem: `GridImportError` listing every feature at fault (`features[3] (code 440304):
  reason`) and nothing is written. Otherwise one bulk write and one grid revision bump (none when
  the file changes nothing).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from gridops.errors import DomainError

from .choices import AREA_LEVEL_ORDER, AreaLevel
from .coords import CRS, geojson_to_wgs84
from .geometry import GeometrySummary, approx_area_m2
from .models import Area, Cell
from .services import grid_revision_bump

CELL_LEVEL = "grid"  # the level property of a cell in gridops' export
LEVEL_ALIASES = {
    "city": AreaLevel.CITY,
    "district": AreaLevel.DISTRICT,
    "county": AreaLevel.DISTRICT,
    "subdistrict": AreaLevel.SUBDISTRICT,
    "street": AreaLevel.SUBDISTRICT,
    "town": AreaLevel.SUBDISTRICT,
    "township": AreaLevel.SUBDISTRICT,
    "community": AreaLevel.COMMUNITY,
    "village": AreaLevel.COMMUNITY,
    "grid": CELL_LEVEL,
    "cell": CELL_LEVEL,
}
UNSUPPORTED_LEVELS = {"country", "province"}
MAX_ERRORS = 50
CODE_MAX = 32
NAME_MAX = 200
AREA_FIELDS = ["name", "name_en", "level", "geometry", "min_lon", "min_lat", "max_lon", "max_lat"]
CELL_FIELDS = ["name", "name_en", "area", "path", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "area_m2"]


def by_codes(queryset, codes, *, chunk: int = 5000) -> list:
    """Rows of `queryset` whose code is in `codes`, in chunks (SQLite caps the parameters of a query)."""
    codes = list(codes)
    rows: list = []
    for start in range(0, len(codes), chunk):
        rows.extend(queryset.filter(code__in=codes[start : start + chunk]))
    return rows


class GridImportError(DomainError):
    """The file cannot be imported; `errors` lists each problem, naming the feature."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        message = "\n".join(shown)
        if more > 0:
            message += "\n" + ngettext("… and %(count)d more problem", "… and %(count)d more problems", more) % {
                "count": more
            }
        super().__init__(message, field="file")
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    areas_created: int = 0
    areas_updated: int = 0
    cells_created: int = 0
    cells_updated: int = 0


@dataclass
class _Feature:
    index: int
    code: str
    name: str
    name_en: str
    level: str  # an AreaLevel or CELL_LEVEL
    parent_code: str | None
    geometry: dict | None
    summary: GeometrySummary | None
    shape: BaseGeometry | None = None

    @property
    def is_cell(self) -> bool:
        return self.level == CELL_LEVEL

    def label(self) -> str:
        return f"features[{self.index}] (code {self.code})"


def grid_import_file(path: str | Path, **options) -> ImportReport:
    """Read a GeoJSON file and `grid_import` it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise GridImportError(
            [str(_("Cannot read %(path)s as JSON: %(error)s") % {"path": path, "error": exc})]
        ) from exc
    return grid_import(data, **options)


def grid_import(
    collection: dict,
    *,
    as_cells: bool = False,
    level: str | None = None,
    code_field: str = "adcode",
    name_field: str = "name",
    name_en_field: str = "name_en",
    parent_field: str = "parent",
    level_field: str = "level",
    parent: str | None = None,
    crs: str = CRS.WGS84,
    update: bool = False,
) -> ImportReport:
    """Import a FeatureCollection of areas and/or cells. See the module docstring for the rules."""
    if crs not in CRS.values:
        raise DomainError(_("Unknown coordinate system %(crs)s.") % {"crs": crs}, field="crs")
    if level is not None and level not in LEVEL_ALIASES:
        raise DomainError(_("Unknown level %(level)s.") % {"level": level}, field="level")
    if (
        not isinstance(collection, dict)
        or collection.get("type") != "FeatureCollection"
        or not isinstance(collection.get("features"), list)
    ):
        raise GridImportError([str(_("The file is not a GeoJSON FeatureCollection."))])
    errors: list[str] = []
    fields = {
        "code": code_field,
        "name": name_field,
        "name_en": name_en_field,
        "parent": parent_field,
        "level": level_field,
    }
    features = []
    for index, raw in enumerate(collection["features"]):
        feature = _parse(index, raw, fields=fields, as_cells=as_cells, default_level=level, crs=crs, errors=errors)
        if feature is not None:
            features.append(feature)
    plan = _Plan(features, parent_code=parent, update=update, errors=errors)
    if errors:
        raise GridImportError(errors)
    with transaction.atomic():
        report = plan.write()
        if report != ImportReport():  # a file that changes nothing rebuilds no process's index
            grid_revision_bump()
    return report


# -- parsing one feature --------------------------------------------------------------------------


def _parse(
    index: int, raw, *, fields: dict, as_cells: bool, default_level: str | None, crs: str, errors: list[str]
) -> _Feature | None:
    def fail(code: str, reason) -> None:
        errors.append(f"features[{index}] (code {code or '?'}): {reason}")

    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        fail("", _("not a GeoJSON Feature"))
        return None
    props = raw.get("properties") or {}
    if not isinstance(props, dict):
        fail("", _("the properties are not a JSON object"))
        return None
    parent = props.get(fields["parent"])
    if isinstance(parent, dict):
        parent = parent.get("adcode", parent.get("code"))
    values = {key: props.get(field) if field else None for key, field in fields.items()} | {"parent": parent}
    for key, value in values.items():
        if isinstance(value, (dict, list, bool)):
            fail(
                _text(values["code"]) if key != "code" else "",
                _("property %(field)s must be a text or a number") % {"field": fields[key]},
            )
            return None
    code = _text(values["code"])
    if not code:
        fail("", _("no code (property %(field)s)") % {"field": fields["code"]})
        return None
    if len(code) > CODE_MAX:
        fail(code, _("the code is longer than %(max)d characters") % {"max": CODE_MAX})
        return None
    if "/" in code:
        fail(code, _('a code cannot contain "/" (it separates the codes of an area path)'))
        return None
    name = _text(values["name"])
    if not name:
        fail(code, _("no name (property %(field)s)") % {"field": fields["name"]})
        return None
    name_en = _text(values["name_en"])
    if len(name) > NAME_MAX or len(name_en) > NAME_MAX:
        fail(code, _("the name is longer than %(max)d characters") % {"max": NAME_MAX})
        return None
    raw_level = "cell" if as_cells else (_text(values["level"]).lower() or default_level or "")
    if raw_level in UNSUPPORTED_LEVELS:
        fail(code, _("level %(level)s is not part of the grid (it starts at the city)") % {"level": raw_level})
        return None
    if raw_level not in LEVEL_ALIASES:
        fail(
            code,
            _("unknown or missing level %(level)r (property %(field)s; or give a default level)")
            % {"level": raw_level, "field": fields["level"]},
        )
        return None
    parent_code = _text(parent) or None
    if parent_code in {"0", "100000"}:  # DataV: no parent / the country
        parent_code = None
    feature = _Feature(
        index=index,
        code=code,
        name=name,
        name_en=name_en,
        level=LEVEL_ALIASES[raw_level],
        parent_code=parent_code,
        geometry=None,
        summary=None,
    )
    geometry = raw.get("geometry")
    if geometry is None:
        if feature.is_cell:
            fail(code, _("a cell needs a geometry"))
            return None
        return feature
    problem = _geometry_problem(geometry)
    if problem:
        fail(code, problem)
        return None
    converted = geojson_to_wgs84({"type": geometry["type"], "coordinates": geometry["coordinates"]}, crs)
    try:
        geom = shape(converted)
    except Exception as exc:  # shapely raises several kinds for malformed rings
        fail(code, _("malformed geometry: %(error)s") % {"error": exc})
        return None
    if geom.is_empty:
        fail(code, _("the geometry is empty"))
        return None
    if not geom.is_valid:
        fail(code, _("invalid geometry: %(reason)s") % {"reason": explain_validity(geom)})
        return None
    feature.geometry = converted
    feature.summary = GeometrySummary(bbox=geom.bounds, area_m2=approx_area_m2(geom))
    feature.shape = geom
    return feature


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _geometry_problem(geometry) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return str(_("the geometry must be a Polygon or MultiPolygon, not %(kind)s") % {"kind": kind})
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        return str(_("the geometry has no coordinates"))
    if geometry["type"] == "Polygon":
        polygons, paths = [coordinates], ["coordinates"]
    else:
        polygons, paths = coordinates, [f"coordinates[{i}]" for i in range(len(coordinates))]
    for polygon, path in zip(polygons, paths, strict=True):
        if not _nested_as_polygon(polygon):
            if geometry["type"] == "Polygon":
                return str(_("a Polygon's coordinates must be a list of rings, each a list of [lon, lat] positions"))
            return str(_("a MultiPolygon's coordinates must be a list of polygons, each a list of rings"))
        for index, ring in enumerate(polygon):
            problem = _ring_problem(ring, f"{path}[{index}]")
            if problem:
                return problem
    lon, lat = polygons[0][0][0][0], polygons[0][0][0][1]
    if 3 <= lon <= 54 and 73 <= lat <= 136:
        return str(
            _(
                "coordinate [%(lon)s, %(lat)s] looks like [latitude, longitude] in China: GeoJSON wants "
                "[longitude, latitude]"
            )
            % {"lon": lon, "lat": lat}
        )
    return None


def _nested_as_polygon(polygon) -> bool:
    """A list of rings, each a list of positions (lists); what is in a position is checked later."""
    return (
        isinstance(polygon, list)
        and bool(polygon)
        and all(isinstance(ring, list) and all(isinstance(p, list) for p in ring) for ring in polygon)
    )


def _ring_problem(ring: list, path: str) -> str | None:
    for position in ring:
        if len(position) < 2 or not all(_is_number(v) for v in position[:2]):
            return str(_("coordinate %(position)s is not a pair of numbers") % {"position": json.dumps(position)})
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            message = _(
                "coordinate [%(lon)s, %(lat)s] is out of range: GeoJSON wants [longitude, latitude], "
                "longitude within ±180 and latitude within ±90"
            ) % {"lon": lon, "lat": lat}
            if -90 <= lon <= 90 and -180 <= lat <= 180:
                message += str(_("; it looks like [latitude, longitude] (swapped)"))
            return str(message)
    if ring and ring[0][:2] != ring[-1][:2]:
        return str(
            _("ring %(ring)s is not closed: its last position %(last)s is not its first %(first)s")
            % {"ring": path, "last": json.dumps(ring[-1]), "first": json.dumps(ring[0])}
        )
    if len(ring) < 4:
        return str(
            _("ring %(ring)s has %(count)d positions; a ring needs at least 4 (the first one repeated at the end)")
            % {"ring": path, "count": len(ring)}
        )
    return None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# -- resolving parents and writing ----------------------------------------------------------------


class _Plan:
    """Everything the file will create or update, checked against the file and the database."""

    def __init__(self, features: list[_Feature], *, parent_code: str | None, update: bool, errors: list[str]):
        self.errors = errors
        self.update = update
        seen: dict[tuple[bool, str], _Feature] = {}
        self.areas: dict[str, _Feature] = {}
        self.cells: list[_Feature] = []
        for feature in features:
            key = (feature.is_cell, feature.code)
            if key in seen:
                self._fail(feature, _("duplicate code: features[%(first)d] has it too") % {"first": seen[key].index})
                continue
            seen[key] = feature
            if feature.is_cell:
                self.cells.append(feature)
            else:
                self.areas[feature.code] = feature
        wanted = set(self.areas) | {f.parent_code for f in features if f.parent_code} | ({parent_code} - {None})
        self.db_areas = {a.code: a for a in by_codes(Area.objects.select_related("parent"), wanted)}
        self.db_cells = {c.code: c for c in by_codes(Cell.objects.all(), [f.code for f in self.cells])}
        self.attach_to: Area | None = None
        if parent_code:
            self.attach_to = self.db_areas.get(parent_code)
            if self.attach_to is None:
                self.errors.append(
                    str(_("The parent area %(code)s given with --parent does not exist.") % {"code": parent_code})
                )
        self.parent_of: dict[str, str | None] = {}  # area code -> parent code; resolved below
        self.cell_area: dict[str, str] = {}
        for feature in self.areas.values():
            self._resolve_area(feature)
        for feature in self.cells:
            self._resolve_cell(feature)
        self.depth: dict[str, int] = {}
        for feature in self.areas.values():
            self._depth(feature)
        self._check_levels_above_children()
        self._check_cells_inside_their_areas()

    def _fail(self, feature: _Feature, reason) -> None:
        self.errors.append(f"{feature.label()}: {reason}")

    def _parent_for(self, feature: _Feature) -> tuple[str | None, bool]:
        """(parent code, found?) for a feature: the file, then the database, then `parent`."""
        code = feature.parent_code
        if code and code in self.areas and not self.areas[code].is_cell:
            return code, True
        if code and code in self.db_areas:
            return code, True
        if self.attach_to is not None:
            return self.attach_to.code, True
        if code and feature.level == AreaLevel.CITY:
            return None, True  # a city's province is not part of the grid
        return None, code is None

    def _level_of(self, code: str) -> str:
        return self.areas[code].level if code in self.areas else self.db_areas[code].level

    def _resolve_area(self, feature: _Feature) -> None:
        existing = self.db_areas.get(feature.code)
        if existing is not None and not self.update:
            self._fail(feature, _("an area with this code already exists (use --update to change it)"))
            return
        parent_code, found = self._parent_for(feature)
        if not found:
            self._fail(
                feature,
                _("unknown parent %(parent)s (not in the file nor in the database)") % {"parent": feature.parent_code},
            )
            return
        if existing is not None and (existing.parent.code if existing.parent_id else None) != parent_code:
            self._fail(feature, _("moving an existing area to another parent is not supported"))
            return
        if parent_code and AREA_LEVEL_ORDER.index(self._level_of(parent_code)) >= AREA_LEVEL_ORDER.index(feature.level):
            self._fail(
                feature,
                _("a %(level)s cannot be under the %(parent_level)s %(parent)s")
                % {"level": feature.level, "parent_level": self._level_of(parent_code), "parent": parent_code},
            )
            return
        self.parent_of[feature.code] = parent_code

    def _resolve_cell(self, feature: _Feature) -> None:
        if feature.code in self.db_cells and not self.update:
            self._fail(feature, _("a cell with this code already exists (use --update to change it)"))
            return
        parent_code, found = self._parent_for(feature)
        if not parent_code or not found:
            self._fail(
                feature,
                _("a cell needs an existing parent area; %(parent)s is unknown")
                % {"parent": feature.parent_code or "—"},
            )
            return
        self.cell_area[feature.code] = parent_code

    def _check_levels_above_children(self) -> None:
        """An existing area that changes level must stay above its children in the database (those in
        the file are checked against their parent's new level by `_resolve_area`)."""
        changed = {
            self.db_areas[code].pk: feature
            for code, feature in self.areas.items()
            if code in self.parent_of and code in self.db_areas and self.db_areas[code].level != feature.level
        }
        ids = list(changed)
        refused: set[int] = set()
        for start in range(0, len(ids), 5000):
            children = Area.objects.filter(parent_id__in=ids[start : start + 5000]).order_by("code")
            for code, level, parent_id in children.values_list("code", "level", "parent_id"):
                feature = changed[parent_id]
                if code in self.areas or parent_id in refused:
                    continue
                if AREA_LEVEL_ORDER.index(level) <= AREA_LEVEL_ORDER.index(feature.level):
                    refused.add(parent_id)
                    self._fail(
                        feature,
                        _("it cannot become a %(level)s: its child %(child)s is a %(child_level)s")
                        % {"level": feature.level, "child": code, "child_level": level},
                    )

    def _check_cells_inside_their_areas(self) -> None:
        """A cell lies in its parent area, when that has a boundary: the cell's `point_on_surface`
        (by which `generator` gives a cell to a community, so its cells re-import) is in it."""
        by_area: dict[str, list[_Feature]] = defaultdict(list)
        for feature in self.cells:
            if feature.code in self.cell_area:
                by_area[self.cell_area[feature.code]].append(feature)
        for area_code, cells in by_area.items():
            boundary = self._boundary_of(area_code)
            if boundary is None:
                continue
            inside = shapely.covers(boundary, shapely.point_on_surface([f.shape for f in cells]))
            for feature in (f for f, ok in zip(cells, inside.tolist(), strict=True) if not ok):
                self._fail(
                    feature,
                    _("the cell lies outside its parent area %(parent)s (check its parent, its coordinates and --crs)")
                    % {"parent": area_code},
                )

    def _boundary_of(self, code: str) -> BaseGeometry | None:
        if code in self.areas:
            boundary = self.areas[code].shape
        else:
            geometry = self.db_areas[code].geometry
            boundary = shape(geometry) if geometry else None
        if boundary is None:
            return None
        if not boundary.is_valid:
            boundary = shapely.make_valid(boundary)
        shapely.prepare(boundary)
        return boundary

    def _depth(self, feature: _Feature) -> int:
        """Depth of an area below the first ancestor outside the file; flags cycles."""
        chain, code = [], feature.code
        while code in self.areas and code not in self.depth:
            if code in chain:
                self._fail(feature, _("the parents form a cycle: %(chain)s") % {"chain": " → ".join(chain)})
                for member in chain:
                    self.depth[member] = 0
                return 0
            chain.append(code)
            code = self.parent_of.get(code)
        base = self.depth.get(code, -1) if code else -1
        for offset, member in enumerate(reversed(chain), start=1):
            self.depth[member] = base + offset
        return self.depth.get(feature.code, 0)

    # -- writing ----------------------------------------------------------------------------------

    def write(self) -> ImportReport:
        now = timezone.now()
        by_code = dict(self.db_areas)
        created_areas, updated_areas, area_fields = 0, [], set()
        for depth in sorted(set(self.depth.values())):
            batch = []
            for code, feature in self.areas.items():
                if self.depth[code] != depth:
                    continue
                parent = by_code.get(self.parent_of[code]) if self.parent_of.get(code) else None
                existing = self.db_areas.get(code)
                if existing is not None:
                    before = _values(existing, AREA_FIELDS)
                    _apply_area(existing, feature)
                    if changed := _changed(existing, before):
                        existing.updated_at = now
                        updated_areas.append(existing)
                        area_fields |= changed
                    continue
                area = Area(
                    code=code,
                    name=feature.name,
                    name_en=feature.name_en,
                    level=feature.level,
                    parent=parent,
                    path=f"{parent.path if parent else ''}{code}/",
                )
                _apply_area(area, feature)
                batch.append(area)
            for area in Area.objects.bulk_create(batch):
                by_code[area.code] = area
            created_areas += len(batch)
        if updated_areas:
            Area.objects.bulk_update(updated_areas, _in_order(area_fields, AREA_FIELDS), batch_size=500)
        new_cells, updated_cells, cell_fields = [], [], set()
        for feature in self.cells:
            area = by_code[self.cell_area[feature.code]]
            cell = self.db_cells.get(feature.code) or Cell(code=feature.code)
            before = _values(cell, CELL_FIELDS) if cell.pk else None
            cell.name, cell.name_en, cell.area, cell.path = (
                feature.name,
                feature.name_en,
                area,
                f"{area.path}{cell.code}/",
            )
            cell.geometry = feature.geometry
            cell.min_lon, cell.min_lat, cell.max_lon, cell.max_lat = feature.summary.bbox
            cell.area_m2 = feature.summary.area_m2
            if not cell.pk:
                new_cells.append(cell)
            elif changed := _changed(cell, before):
                cell.updated_at = now
                updated_cells.append(cell)
                cell_fields |= changed
        Cell.objects.bulk_create(new_cells, batch_size=1000)
        if updated_cells:
            Cell.objects.bulk_update(updated_cells, _in_order(cell_fields, CELL_FIELDS), batch_size=500)
        return ImportReport(
            areas_created=created_areas,
            areas_updated=len(updated_areas),
            cells_created=len(new_cells),
            cells_updated=len(updated_cells),
        )


# Rows and columns the file leaves as they are are not written: bulk_update's cost (a CASE per
# row and column, mostly in Django) grows with both, and a re-published grid changes little.


def _values(row, fields: list[str]) -> dict:
    return {field: getattr(row, row._meta.get_field(field).attname) for field in fields}


def _changed(row, before: dict) -> set[str]:
    return {field for field, value in _values(row, list(before)).items() if value != before[field]}


def _in_order(changed: set[str], fields: list[str]) -> list[str]:
    return [field for field in fields if field in changed] + ["updated_at"]


def _apply_area(area: Area, feature: _Feature) -> None:
    area.name, area.name_en, area.level, area.geometry = feature.name, feature.name_en, feature.level, feature.geometry
    bbox = feature.summary.bbox if feature.summary else (None, None, None, None)
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = bbox
