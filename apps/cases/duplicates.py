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
from gridops.db import RowReader, Selected

from .choices import OPEN_STATES
from .models import Case

METRES_PER_DEGREE_LAT = 111_320.0
MAX_CANDIDATES = 10
# Only what a suggestion shows: no joins, so the query plans in a fraction of a millisecond.
FIELDS = (
    "id",
    "tracking_code",
    "state",
    "description",
    "created_at",
    "lon",
    "lat",
    "category_id",
    "cell_id",
    "reporter_id",  # a resident sees their own reports: visibility answered without a query
)


class DuplicateSearch(Selected):
    """One search for the duplicates of a report at (lon, lat): a `Selected` (its SQL and
    parameters; its `rows` once asked, now with `run()` or by a report's write that carries it,
    `RowBatch.select`, one round trip for both), and what its rows mean (`found`).

    The query is a bounding box on the indexed (category, lat, lon) with the open states, the
    time window and no merged cases; `found()` keeps the rows within the radius, nearest first."""

    def __init__(
        self,
        *,
        category,
        lon: float,
        lat: float,
        exclude=None,
        at: datetime | None = None,
        radius_m: float | None = None,
        window_h: float | None = None,
    ) -> None:
        at = at or timezone.now()
        self.lon, self.lat = lon, lat
        self.radius = float(radius_m if radius_m is not None else settings.GRIDOPS_DUPLICATE_RADIUS_M)
        window = float(window_h if window_h is not None else settings.GRIDOPS_DUPLICATE_WINDOW_H)
        dlat = self.radius / METRES_PER_DEGREE_LAT
        dlon = self.radius / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
        when = connection.ops.adapt_datetimefield_value  # UTC text on SQLite, timestamptz on PostgreSQL
        sql, self.reader = _nearby_query()
        params = {
            "q_category": getattr(category, "pk", category),
            "q_south": lat - dlat,
            "q_north": lat + dlat,
            "q_west": lon - dlon,
            "q_east": lon + dlon,
            "q_since": when(at - timedelta(hours=window)),
            "q_until": when(at),
            "q_exclude": getattr(exclude, "pk", exclude) or 0,
        }
        super().__init__(sql, params)

    def found(self, *, within=None) -> list[Case]:
        """The cases of its rows within the radius, nearest first (each with `.distance_m`), at most
        MAX_CANDIDATES. `within`: a function keeping those of a list of cases the answer may
        include (those a user may see), called only when something is found: the search runs on
        all cases and visibility is checked on the few found (usually none), so a report pays
        for no look-up of a user's whole scope."""
        if self.rows is None:
            raise RuntimeError("the search has not been run")
        found = []
        for row in self.rows:
            case = self.reader.read(row)[0]
            d = distance_m(self.lon, self.lat, case.lon, case.lat)
            if d <= self.radius:
                case.distance_m = round(d, 1)
                found.append(case)
        if found and within is not None:
            found = within(found)
        found.sort(key=lambda c: (c.distance_m, -c.created_at.timestamp()))
        return found[:MAX_CANDIDATES]


@cache
def _nearby_query() -> tuple[str, RowReader]:
    """The duplicate search's SELECT and the reader of its rows, built once per process (it runs
    for every report). Plain SQL: composing the equivalent ORM filter (or going through `raw()`)
    costs more than the database's work. Named parameters, so that a report's write can carry it;
    the open states are the code's constants, written in the text."""
    q = connection.ops.quote_name
    reader = RowReader((Case, [Case._meta.get_field(name).attname for name in FIELDS]))
    states = ", ".join(f"'{state}'" for state in sorted(OPEN_STATES))
    sql = (
        f"SELECT {reader.columns()} FROM {q(Case._meta.db_table)}"
        " WHERE category_id = %(q_category)s AND lat >= %(q_south)s AND lat <= %(q_north)s"
        " AND lon >= %(q_west)s AND lon <= %(q_east)s"
        f" AND state IN ({states}) AND merged_into_id IS NULL"
        " AND created_at >= %(q_since)s AND created_at <= %(q_until)s AND id <> %(q_exclude)s LIMIT 200"
    )
    return sql, reader
