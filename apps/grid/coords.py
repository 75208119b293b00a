"""Coordinate reference systems used by maps in China, and conversion to WGS84.

Phones report WGS84 (GPS). Maps published in mainland China use GCJ-02 (the obfuscated
"Mars" datum: AMap/Gaode, Tencent, Google China) or Baidu's BD-09 on top of it; in Shenzhen the
offset is a few hundred metres, enough to route a report to the wrong cell. gridops stores every
coordinate in WGS84, so every input that may come from a Chinese map goes through `to_wgs84`.

The conversions are the maintained `prcoords` library. It works on `Coords(lat, lon)` tuples
(latitude first); these functions take and return (lon, lat) like GeoJSON. The inverse
transforms use prcoords' iterative "bored" functions (error ~1e-4 m, far below GPS accuracy).
GCJ-02 is only defined inside China: points outside are returned unchanged.
"""

from __future__ import annotations

import math

import prcoords
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridops.errors import DomainError


class CRS(models.TextChoices):
    WGS84 = "wgs84", _("WGS84 (GPS)")
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


# (lat, lon) Coords in, (lat, lon) Coords out; the second argument turns prcoords' China check off.
_TO_WGS84 = {CRS.GCJ02: prcoords.gcj_wgs_bored, CRS.BD09: prcoords.bd_wgs_bored}
_FROM_WGS84 = {CRS.GCJ02: prcoords.wgs_gcj, CRS.BD09: prcoords.wgs_bd}


def _check(lon: float, lat: float, crs: str) -> CRS:
    try:
        crs_value = CRS(str(crs).lower())
    except ValueError:
        raise DomainError(
            _("Unknown coordinate system %(crs)s; use one of %(choices)s.")
            % {"crs": crs, "choices": ", ".join(CRS.values)},
            field="crs",
        ) from None
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise DomainError(_("Longitude must be between -180 and 180."), field="lon")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise DomainError(_("Latitude must be between -90 and 90."), field="lat")
    return crs_value


def _in_china(lon: float, lat: float) -> bool:
    return prcoords.sanity_in_china_p(prcoords.Coords(lat, lon))


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert (lon, lat) in `crs` to WGS84 (lon, lat). Unknown crs: DomainError(field="crs")."""
    crs_value = _check(lon, lat, crs)
    if crs_value == CRS.WGS84 or not _in_china(lon, lat):
        return float(lon), float(lat)
    wgs = _TO_WGS84[crs_value](prcoords.Coords(lat, lon), False)
    return wgs.lon, wgs.lat


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """Convert WGS84 (lon, lat) to `crs` (lon, lat): for exports to Chinese maps and for tests."""
    crs_value = _check(lon, lat, crs)
    if crs_value == CRS.WGS84 or not _in_china(lon, lat):
        return float(lon), float(lat)
    out = _FROM_WGS84[crs_value](prcoords.Coords(lat, lon), False)
    return out.lon, out.lat


def geojson_to_wgs84(geometry: dict, crs: str) -> dict:
    """A copy of a GeoJSON Polygon/MultiPolygon geometry with every position converted to WGS84."""
    if CRS(crs) == CRS.WGS84:
        return geometry

    def convert(node):
        if node and isinstance(node[0], (int, float)):
            lon, lat = to_wgs84(float(node[0]), float(node[1]), crs)
            return [lon, lat, *node[2:]]
        return [convert(child) for child in node]

    return {**geometry, "coordinates": convert(geometry["coordinates"])}
