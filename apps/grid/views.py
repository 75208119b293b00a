"""The grid map page and the GeoJSON it draws (cells for the visible area only).

The page sends a visitor who is not signed in to the sign-in page; the GeoJSON endpoints answer
them 401 with a JSON message instead, since the map's script cannot draw a redirect to an HTML
page (after a session ends, the map tells the user to sign in again).
"""

from __future__ import annotations

import math
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .choices import AreaLevel
from .models import Area, Cell
from .selectors import cells_responsible_officers

MAX_CELLS = 3000
COORDINATE_DECIMALS = 6  # about 0.1 m: finer than a pixel at the map's highest zoom
# Clients get UTF-8 names, not \u escapes (twice the bytes for every Chinese character).
JSON_PARAMS = {"ensure_ascii": False}


def _json_login_required(view):
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {"detail": _("You are not signed in or your session has ended. Sign in again.")},
                status=401,
                json_dumps_params=JSON_PARAMS,
            )
        return view(request, *args, **kwargs)

    return checked


def _staff_only(user) -> None:
    if not getattr(user, "is_staff_role", False):
        raise PermissionDenied


def _parse_bbox(raw: str | None) -> tuple[float, float, float, float]:
    if not raw:
        raise ValueError(_("Give bbox=west,south,east,north."))
    parts = raw.split(",")
    if len(parts) != 4:
        raise ValueError(_("bbox needs four numbers: west,south,east,north."))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise ValueError(_("bbox needs four numbers: west,south,east,north.")) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValueError(_("bbox needs four numbers: west,south,east,north."))
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValueError(_("bbox is out of range or its corners are swapped."))
    return west, south, east, north


def _rounded(coordinates: list) -> list:
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [round(c, COORDINATE_DECIMALS) for c in coordinates]
    return [_rounded(c) for c in coordinates]


def _drawable(geometry: dict) -> dict:
    """The geometry with coordinates cut to what a map can show: grids converted from GCJ-02 are
    stored with full float precision, which nearly doubles the answer."""
    return {**geometry, "coordinates": _rounded(geometry["coordinates"])}


@login_required
@require_GET
def grid_map(request):
    _staff_only(request.user)
    # where the map sends the user when their session has ended, coming back here as login_required does
    login_url = redirect_to_login(request.get_full_path())["Location"]
    return render(request, "grid/map.html", {"max_cells": MAX_CELLS, "login_url": login_url})


@_json_login_required
@require_GET
def cells_geojson(request):
    """Cells whose bounding box meets the requested one, at most MAX_CELLS, in a fixed number of queries.

    Past MAX_CELLS the cells nearest the middle of the view are kept, so a large screen shows a
    patch around its centre rather than cells cut off by code (whole districts left blank).
    """
    _staff_only(request.user)
    try:
        west, south, east, north = _parse_bbox(request.GET.get("bbox"))
    except ValueError as err:
        return JsonResponse({"bbox": [str(err)]}, status=400)
    dx = F("min_lon") + F("max_lon") - (west + east)
    dy = F("min_lat") + F("max_lat") - (south + north)
    cells = list(
        Cell.objects.filter(
            is_active=True, min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south
        )
        .select_related("area__parent__parent")
        # the path needs the areas' names only, not their boundaries
        .defer("area__geometry", "area__parent__geometry", "area__parent__parent__geometry")
        .order_by(dx * dx + dy * dy, "code")[: MAX_CELLS + 1]
    )
    truncated = len(cells) > MAX_CELLS
    cells = cells[:MAX_CELLS]
    officers = cells_responsible_officers(cell_ids=[c.pk for c in cells])
    features = []
    for cell in cells:
        officer = officers.get(cell.pk)
        path = [
            a.label for a in (cell.area.parent.parent if cell.area.parent else None, cell.area.parent, cell.area) if a
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": _drawable(cell.geometry),
                "properties": {
                    "code": cell.code,
                    "name": cell.label,
                    "area_code": cell.area.code,
                    "area_path": path,
                    "officer": officer.display_name if officer else "",
                    "officer_key": officer.pk if officer else None,
                },
            }
        )
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": truncated}, json_dumps_params=JSON_PARAMS
    )


@_json_login_required
@require_GET
def areas_geojson(request):
    _staff_only(request.user)
    level = request.GET.get("level", AreaLevel.DISTRICT)
    if level not in AreaLevel.values:
        return JsonResponse({"level": [_("Unknown level.")]}, status=400)
    areas = Area.objects.filter(level=level, geometry__isnull=False).order_by("code")
    features = [
        {"type": "Feature", "geometry": _drawable(a.geometry), "properties": {"code": a.code, "name": a.label}}
        for a in areas
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params=JSON_PARAMS)
