"""Offline geocoding of an address or landmark text, for reports without coordinates
(a hotline caller who says "红荔社区" or gives a cell code).

The text is matched against the names (Chinese and English) and codes of the grid's areas and cells;
the most specific match wins (a cell over a community over a subdistrict ...; among equals the
longest name), and its centroid is the point. No external service is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, Value
from django.db.models.functions import Length, Lower
from django.utils.translation import gettext_lazy as _
from shapely.geometry import shape

from apps.grid.choices import AREA_LEVEL_ORDER
from apps.grid.models import Area, Cell
from gridops.errors import DomainError

MIN_NAME_CHARS = 2  # a one-character name ("东") would match almost any address

# The code of "no grid unit is named in the text": callers that offer another way to give the place
# (a community list, the phone's position) say so in their own words.
NOT_FOUND = "address_not_found"


@dataclass(frozen=True)
class GeocodeResult:
    lon: float
    lat: float
    matched: str  # the name or code that matched
    cell_id: int | None
    area_id: int | None


def _matching(model, text: str):
    """Rows whose name, English name or code occurs in `text` (one query)."""
    return model.objects.annotate(
        _t=Value(text), _tl=Value(text.lower()), _n=Length("name"), _nel=Length("name_en"), _ne=Lower("name_en")
    ).filter(
        Q(_t__contains=F("name"), _n__gte=MIN_NAME_CHARS)
        | Q(_t__contains=F("code"))
        | Q(_tl__contains=F("_ne"), _nel__gte=4)
    )


def _point_inside(geometry: dict) -> tuple[float, float]:
    geom = shape(geometry)
    point = geom.centroid
    if not geom.contains(point):
        point = geom.representative_point()
    return point.x, point.y


def area_point(area: Area) -> tuple[float, float] | None:
    """A point inside the area: in its boundary, else in its first active cell; None if it has neither."""
    if area.geometry:
        return _point_inside(area.geometry)
    cell = Cell.objects.filter(path__startswith=area.path, is_active=True).order_by("code").first()
    return _point_inside(cell.geometry) if cell else None


def geocode_address(text: str) -> GeocodeResult:
    """The point of the most specific grid unit named in `text`; DomainError(field="address",
    code=NOT_FOUND) if none."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Give a location or an address."), field="address")
    cells = list(_matching(Cell, text).filter(is_active=True).order_by("-_n", "code")[:5])
    if cells:
        cell = max(cells, key=lambda c: len(c.code) if c.code in text else len(c.name))
        lon, lat = _point_inside(cell.geometry)
        return GeocodeResult(lon=lon, lat=lat, matched=cell.name, cell_id=cell.pk, area_id=cell.area_id)
    areas = list(_matching(Area, text)[:50])
    depth = {level: i for i, level in enumerate(AREA_LEVEL_ORDER)}
    areas.sort(key=lambda a: (depth.get(a.level, 0), a.path.count("/"), len(a.name)), reverse=True)
    for area in areas:
        point = area_point(area)
        if point:
            return GeocodeResult(lon=point[0], lat=point[1], matched=area.name, cell_id=None, area_id=area.pk)
    raise DomainError(_("No area or cell of the grid matches this address."), field="address", code=NOT_FOUND)
