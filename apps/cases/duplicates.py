"""Possible duplicates of a report: open cases of the same category close by, reported recently.

A bounding-box prefilter on the indexed (category, lat, lon) narrows the rows; the exact distance
(haversine) decides.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.grid.geometry import distance_m
from gridops.db import RowReader

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
    """`within`: a function returning the cases the answer may include (a user's visible cases),
    called only when something is found; all cases by default.

    The search runs on all cases; visibility is then checked on the few found (usually none),
    so intake pays for one short query instead of a user's whole scope."""
    at = at or timezone.now()
    radius = float(radius_m if radius_m is not None else settings.GRIDOPS_DUPLICATE_RADIUS_M)
    window = float(window_h if window_h is not None else settings.GRIDOPS_DUPLICATE_WINDOW_H)
    dlat = radius / METRES_PER_DEGREE_LAT
    dlon = radius / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    rows = _nearby_open_cases(
        category_id=getattr(category, "pk", category),
        box=(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
        since=at - timedelta(hours=window),
        until=at,
        exclude_id=getattr(exclude, "pk", exclude),
    )
    found = []
    for case in rows:
        d = distance_m(lon, lat, case.lon, case.lat)
        if d <= radius:
            case.distance_m = round(d, 1)
            found.append(case)
    if found and within is not None:
        visible = set(within().filter(pk__in=[c.pk for c in found]).order_by().values_list("pk", flat=True))
        found = [c for c in found if c.pk in visible]
    found.sort(key=lambda c: (c.distance_m, -c.created_at.timestamp()))
    return found[:MAX_CANDIDATES]


@cache
def _nearby_query() -> tuple[str, RowReader]:
    """The duplicate search's SELECT and the reader of its rows, built once per process (it runs
    for every report)."""
    q = connection.ops.quote_name
    reader = RowReader((Case, [Case._meta.get_field(name).attname for name in FIELDS]))
    sql = (
        f"SELECT {reader.columns()} FROM {q(Case._meta.db_table)}"
        " WHERE category_id = %s AND lat >= %s AND lat <= %s AND lon >= %s AND lon <= %s"
        f" AND state IN ({', '.join(['%s'] * len(OPEN_STATES))}) AND merged_into_id IS NULL"
        " AND created_at >= %s AND created_at <= %s AND id <> %s LIMIT 200"
    )
    return sql, reader


def _nearby_open_cases(
    *, category_id: int, box: tuple[float, float, float, float], since: datetime, until: datetime, exclude_id
) -> list[Case]:
    """Open, unmerged cases of the category in the box and the time window (at most 200), with
    only FIELDS loaded. Plain SQL on the (category, lat, lon) index: it runs for every report,
    and composing the equivalent ORM filter (or going through `raw()`) costs more than the
    database's work."""
    west, south, east, north = box
    when = connection.ops.adapt_datetimefield_value  # UTC text on SQLite, timestamptz on PostgreSQL
    params = [category_id, south, north, west, east, *OPEN_STATES, when(since), when(until), exclude_id or 0]
    sql, reader = _nearby_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [reader.read(row)[0] for row in rows]
