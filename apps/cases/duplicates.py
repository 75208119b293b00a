"""Possible duplicates of a report: open cases of the same category close by, reported recently.

A bounding-box prefilter on the indexed (category, lat, lon) narrows the rows; the exact distance
(haversine) decides.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from apps.grid.geometry import distance_m

from .choices import OPEN_STATES
from .models import Case

METRES_PER_DEGREE_LAT = 111_320.0
MAX_CANDIDATES = 10
# Only what a suggestion shows: no joins, so the query plans in a fraction of a millisecond.
FIELDS = ("id", "tracking_code", "state", "description", "created_at", "lon", "lat", "category_id", "cell_id")


def duplicate_candidates(
    *,
    category,
    lon: float,
    lat: float,
    exclude=None,
    at: datetime | None = None,
    radius_m: float | None = None,
    window_h: float | None = None,
    within=None,
) -> list[Case]:
    """`within`: a queryset of cases to search in (a user's visible cases); all cases by default."""
    at = at or timezone.now()
    radius = float(radius_m if radius_m is not None else settings.GRIDOPS_DUPLICATE_RADIUS_M)
    window = float(window_h if window_h is not None else settings.GRIDOPS_DUPLICATE_WINDOW_H)
    dlat = radius / METRES_PER_DEGREE_LAT
    dlon = radius / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    category_id = getattr(category, "pk", category)
    base = within if within is not None else Case.objects.all()
    qs = (
        base.filter(
            category_id=category_id,
            lat__gte=lat - dlat,
            lat__lte=lat + dlat,
            lon__gte=lon - dlon,
            lon__lte=lon + dlon,
            state__in=list(OPEN_STATES),
            merged_into__isnull=True,
            created_at__gte=at - timedelta(hours=window),
            created_at__lte=at,
        )
        .select_related(None)
        .only(*FIELDS)
        .order_by()
    )
    if exclude is not None:
        qs = qs.exclude(pk=getattr(exclude, "pk", exclude))
    found = []
    for case in qs[:200]:
        d = distance_m(lon, lat, case.lon, case.lat)
        if d <= radius:
            case.distance_m = round(d, 1)
            found.append(case)
    found.sort(key=lambda c: (c.distance_m, -c.created_at.timestamp()))
    return found[:MAX_CANDIDATES]
