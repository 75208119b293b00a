"""Small geometry helpers on GeoJSON dicts (WGS84 lon/lat)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely.geometry import shape

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class GeometrySummary:
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat
    area_m2: float


def geometry_summary(geojson: dict) -> GeometrySummary:
    geom = shape(geojson)
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    return GeometrySummary(bbox=(min_lon, min_lat, max_lon, max_lat), area_m2=approx_area_m2(geom))


def approx_area_m2(geom) -> float:
    """Area on a local equirectangular projection: exact enough for city-sized cells."""
    if geom.is_empty:
        return 0.0
    lat0 = math.radians(geom.centroid.y)
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(lat0)
    ky = math.radians(1) * EARTH_RADIUS_M
    return geom.area * kx * ky


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
