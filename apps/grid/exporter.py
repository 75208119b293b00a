"""Export areas and cells as a GeoJSON FeatureCollection in the format `importer` reads.

Properties follow the DataV administrative-boundary layout: `adcode`, `name`, `name_en`,
`level` (city, district, subdistrict, community; `grid` for a cell) and `parent` =
`{"adcode": …}` (null for a top-level area). Features come parents first, so the file re-imports
as it is. With `crs` the coordinates are converted from WGS84 (e.g. gcj02 for an AMap overlay;
import such a file back with the same `crs`).
"""

from __future__ import annotations

from .choices import AreaLevel
from .coords import CRS, from_wgs84
from .importer import CELL_LEVEL
from .models import Area, Cell


def grid_export(
    *,
    levels: list[str] | None = None,
    cells: bool = False,
    areas: bool = True,
    area_code: str | None = None,
    crs: str = CRS.WGS84,
) -> dict:
    """A FeatureCollection of the areas (at `levels`, all by default) and, with `cells`, the active cells,
    limited to the subtree of `area_code` when given (Area.DoesNotExist if it does not exist)."""
    prefix = Area.objects.get(code=area_code).path if area_code else ""
    features = []
    if areas:
        rows = Area.objects.filter(path__startswith=prefix).order_by("path")
        if levels:
            rows = rows.filter(level__in=levels)
        for code, name, name_en, level, parent_code, geometry in rows.values_list(
            "code", "name", "name_en", "level", "parent__code", "geometry"
        ):
            features.append(_feature(code, name, name_en, level, parent_code, geometry, crs))
    if cells:
        rows = Cell.objects.filter(path__startswith=prefix, is_active=True).order_by("path")
        for code, name, name_en, area_code_, geometry in rows.values_list(
            "code", "name", "name_en", "area__code", "geometry"
        ).iterator(chunk_size=2000):
            features.append(_feature(code, name, name_en, CELL_LEVEL, area_code_, geometry, crs))
    return {"type": "FeatureCollection", "features": features}


def _feature(code, name, name_en, level, parent_code, geometry, crs) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "adcode": code,
            "name": name,
            "name_en": name_en,
            "level": level,
            "parent": {"adcode": parent_code} if parent_code else None,
        },
        "geometry": _convert(geometry, crs) if geometry else None,
    }


def _convert(geometry: dict, crs: str) -> dict:
    if crs == CRS.WGS84:
        return geometry

    def walk(node):
        if node and isinstance(node[0], (int, float)):
            lon, lat = from_wgs84(node[0], node[1], crs)
            return [lon, lat, *node[2:]]
        return [walk(child) for child in node]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


LEVELS = [level.value for level in AreaLevel]
