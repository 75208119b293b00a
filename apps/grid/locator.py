"""Point-to-cell routing: which grid cell is a WGS84 point in?

`locate(lon, lat)` answers from an in-memory index (`GridIndex`) built once per process from
the active cells and rebuilt when the grid changes. The database row `GridRevision(pk=1)` is the
signal: `apps.grid.services.grid_revision_bump()` moves it whenever areas or cells change, and
`locate` compares it with the revision its index was built from, at most every
`settings.GRIDOPS_LOCATOR_CHECK_SECONDS` (default 2; 0 checks on every call). The process that
made the change drops its index as soon as the change commits.

The index is a uniform bucket grid over the cells' bounding box. Each bucket keeps, in code
order, the cells whose closed polygon meets it (the bucket enlarged by a hair, so that a point
on a bucket line is safe whichever side rounding puts it) up to the first cell that covers the
whole bucket. Most buckets are covered by one cell and answer with no polygon test at all; the
others test their few candidates with prepared shapely geometries.

Tie-break (exact and deterministic): a point belongs to the cell with the smallest code among
the cells whose closed polygon (boundary included, holes excluded) covers it. So a point on the
edge shared by two cells, or on a vertex shared by four, goes to the smallest code; a point in
a hole belongs to no cell unless another cell (an island, say) covers it.
"""

from __future__ import annotations

import math
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

EMPTY = -1  # no cell meets the bucket
MIXED_BASE = -2  # a bucket with candidates to test: MIXED_BASE - (their offset in GridIndex._cand)
END = -(2**31)  # ends a bucket's run of candidates in GridIndex._cand

DEFAULT_CHECK_SECONDS = 2

# The ufunc behind `shapely.intersects_xy`, without its Python wrapper: half the cost of a test on
# the hot path (same semantics: the closed geometry, boundary included, contains the point).
_intersects_xy = getattr(shapely.lib, "intersects_xy", shapely.intersects_xy)


@dataclass(frozen=True, slots=True)
class LocateResult:
    cell_id: int
    cell_code: str
    area_id: int
    area_path: str = ""  # the path of the cell's area ("/440300/440304/.../"): a case's scope


class GridIndex:
    """An immutable point-in-cell index over `(result, geometry)` pairs (geometries in lon/lat).

    `buckets_per_cell` is the number of buckets along the side of a typical cell: more buckets,
    more points answered without a polygon test, more memory and a longer build.
    """

    def __init__(
        self,
        entries: Iterable[tuple[LocateResult, BaseGeometry]],
        *,
        buckets_per_cell: int = 8,
        max_buckets: int = 4_000_000,
    ) -> None:
        ordered = sorted(entries, key=lambda entry: entry[0].cell_code)
        self._results: list[LocateResult] = [result for result, _ in ordered]
        geoms = np.array([_usable(geom) for _, geom in ordered], dtype=object)
        shapely.prepare(geoms)
        self._geoms: list[BaseGeometry] = list(geoms)
        if not len(geoms):
            self._x0 = self._y0 = 1.0
            self._x1 = self._y1 = 0.0  # an empty range: every point is outside
            self._nx = self._ny = 1
            self._dx = self._dy = 1.0
            self._cell = array("i", [EMPTY])
            self._cand = array("i")
            self._mixed_count = 0
            return
        bounds = shapely.bounds(geoms)
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self._x1, self._y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        span_x, span_y = max(self._x1 - self._x0, 1e-9), max(self._y1 - self._y0, 1e-9)
        dx = max(float(np.median(bounds[:, 2] - bounds[:, 0])) / buckets_per_cell, span_x * 1e-6, 1e-9)
        dy = max(float(np.median(bounds[:, 3] - bounds[:, 1])) / buckets_per_cell, span_y * 1e-6, 1e-9)
        excess = (span_x / dx) * (span_y / dy) / max_buckets
        if excess > 1:
            dx, dy = dx * math.sqrt(excess), dy * math.sqrt(excess)
        self._nx, self._ny = max(1, math.ceil(span_x / dx)), max(1, math.ceil(span_y / dy))
        self._dx, self._dy = span_x / self._nx, span_y / self._ny
        self._inv_dx, self._inv_dy = 1.0 / self._dx, 1.0 / self._dy
        self._fill(geoms, bounds)

    # -- building -----------------------------------------------------------------------------

    def _fill(self, geoms: np.ndarray, bounds: np.ndarray, chunk: int = 50_000) -> None:
        nx, ny = self._nx, self._ny
        eps_x, eps_y = self._dx * 1e-6, self._dy * 1e-6
        i0 = np.clip(np.floor((bounds[:, 0] - eps_x - self._x0) * self._inv_dx).astype(np.int64), 0, nx - 1)
        i1 = np.clip(np.floor((bounds[:, 2] + eps_x - self._x0) * self._inv_dx).astype(np.int64), 0, nx - 1)
        j0 = np.clip(np.floor((bounds[:, 1] - eps_y - self._y0) * self._inv_dy).astype(np.int64), 0, ny - 1)
        j1 = np.clip(np.floor((bounds[:, 3] + eps_y - self._y0) * self._inv_dy).astype(np.int64), 0, ny - 1)
        # Every (cell, bucket) pair of the buckets overlapping the cell's bbox, in numpy.
        widths, heights = i1 - i0 + 1, j1 - j0 + 1
        counts = widths * heights
        cell_idx = np.repeat(np.arange(len(geoms), dtype=np.int32), counts)
        offsets = np.arange(counts.sum(), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        bucket_i = np.repeat(i0, counts) + offsets % np.repeat(widths, counts)
        bucket_j = np.repeat(j0, counts) + offsets // np.repeat(widths, counts)
        del offsets
        meets = np.zeros(len(cell_idx), dtype=bool)
        covers = np.zeros(len(cell_idx), dtype=bool)
        for start in range(0, len(cell_idx), chunk):
            part = slice(start, start + chunk)
            boxes = shapely.box(
                self._x0 + bucket_i[part] * self._dx - eps_x,
                self._y0 + bucket_j[part] * self._dy - eps_y,
                self._x0 + (bucket_i[part] + 1) * self._dx + eps_x,
                self._y0 + (bucket_j[part] + 1) * self._dy + eps_y,
            )
            cells = geoms[cell_idx[part]]
            meets[part] = hit = shapely.intersects(cells, boxes)
            covers[start + np.flatnonzero(hit)] = shapely.covers(cells[hit], boxes[hit])
        bucket = (bucket_j * nx + bucket_i)[meets]
        cell_idx, covers = cell_idx[meets], covers[meets]
        # Sort by bucket, then by cell index (= code order) within a bucket.
        order = np.lexsort((cell_idx, bucket))
        bucket, cell_idx, covers = bucket[order], cell_idx[order], covers[order]
        starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
        direct = covers[starts]
        cell_of = np.full(nx * ny, EMPTY, dtype=np.int32)
        cell_of[bucket[starts[direct]]] = cell_idx[starts[direct]]
        # Mixed buckets: their candidates, in code order, go into one flat array. A run ends at
        # the first cell covering the whole bucket (stored as -1 - index: answer without a test;
        # later cells can never win) or at END.
        mixed = np.zeros(len(bucket), dtype=bool)
        mixed[starts[~direct]] = True
        run_id = np.cumsum(np.r_[True, bucket[1:] != bucket[:-1]]) - 1
        in_mixed = mixed[starts][run_id]
        b, c, full = bucket[in_mixed], cell_idx[in_mixed], covers[in_mixed]
        run_starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        # Drop the candidates after the first full one of each run.
        full_seen = np.cumsum(full) - np.repeat(
            np.cumsum(full)[run_starts] - full[run_starts], np.diff(np.r_[run_starts, len(b)])
        )
        keep = (full_seen == 0) | (full & (full_seen == 1))
        b, c, full = b[keep], c[keep], full[keep]
        run_starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        run_ends = np.r_[run_starts[1:], len(b)]
        needs_end = ~full[run_ends - 1]
        entries = np.where(full, -1 - c, c).astype(np.int32)
        # Insert END after each run that has no full cell.
        insert_at = run_ends[needs_end]
        entries = np.insert(entries, insert_at, END)
        shift = np.r_[0, np.cumsum(needs_end)[:-1]]
        cell_of[b[run_starts]] = MIXED_BASE - (run_starts + shift)
        self._cell = array("i", cell_of.tobytes())
        self._cand = array("i", entries.tobytes())
        self._mixed_count = len(run_starts)

    # -- lookups ------------------------------------------------------------------------------

    def locate(self, lon: float, lat: float) -> LocateResult | None:
        """The cell covering (lon, lat) with the smallest code, or None."""
        if not (self._x0 <= lon <= self._x1 and self._y0 <= lat <= self._y1):
            return None  # also NaN
        i = int((lon - self._x0) * self._inv_dx)
        j = int((lat - self._y0) * self._inv_dy)
        k = (j if j < self._ny else self._ny - 1) * self._nx + (i if i < self._nx else self._nx - 1)
        c = self._cell[k]
        if c >= 0:
            return self._results[c]
        if c == EMPTY:
            return None
        cand, pos = self._cand, MIXED_BASE - c
        while True:
            c = cand[pos]
            if c >= 0:
                if _intersects_xy(self._geoms[c], lon, lat):
                    return self._results[c]
                pos += 1
            elif c == END:
                return None
            else:
                return self._results[-1 - c]

    @property
    def size(self) -> int:
        return len(self._results)

    def stats(self) -> dict[str, float]:
        total = self._nx * self._ny
        return {
            "cells": len(self._results),
            "buckets": total,
            "mixed_buckets": self._mixed_count,
            "empty_buckets": int((np.frombuffer(self._cell, dtype=np.int32) == EMPTY).sum()),
        }


def _usable(geom: BaseGeometry) -> BaseGeometry:
    """Repair an invalid polygon instead of letting one bad cell break every lookup."""
    if geom.is_valid:
        return geom
    return shapely.make_valid(geom)


def naive_locate(entries: Sequence[tuple[LocateResult, BaseGeometry]], lon: float, lat: float) -> LocateResult | None:
    """The same answer as `GridIndex.locate`, by testing every polygon: the baseline and the oracle."""
    best: LocateResult | None = None
    for result, geom in entries:
        if _intersects_xy(geom, lon, lat) and (best is None or result.cell_code < best.cell_code):
            best = result
    return best


# -- the process's index over the database ------------------------------------------------------


@dataclass
class _Loaded:
    index: GridIndex
    fingerprint: tuple[int, datetime | None]
    recheck_at: float  # _clock() value after which the database revision is compared again
    provisional: bool  # built from grid changes not yet committed: re-check on every call


_loaded: _Loaded | None = None
_lock = threading.Lock()
_clock = time.monotonic  # a name of our own, so tests can move it
_bump_callback = None  # apps.grid.services._clear_local_locator, looked up once


def locator_invalidate() -> None:
    """Drop this process's index; the next lookup rebuilds it."""
    global _loaded
    _loaded = None


def locate(lon: float, lat: float) -> LocateResult | None:
    """The active cell covering the WGS84 point (lon, lat), or None outside the service area.

    See the module docstring for the tie-break on shared edges and vertices.
    """
    return grid_index().locate(lon, lat)


def grid_index() -> GridIndex:
    """This process's index, rebuilt if the grid changed since it was built."""
    global _loaded
    loaded = _loaded
    pending = _grid_change_pending()
    if loaded is not None and not loaded.provisional and not pending and _clock() < loaded.recheck_at:
        return loaded.index
    fingerprint = _db_fingerprint()
    if loaded is not None and loaded.fingerprint == fingerprint:
        loaded.recheck_at, loaded.provisional = _clock() + _check_seconds(), pending
        return loaded.index
    with _lock:
        current = _loaded
        if current is not None and current.fingerprint == fingerprint:
            return current.index
        index = build_index_from_db()
        _loaded = _Loaded(
            index=index, fingerprint=fingerprint, recheck_at=_clock() + _check_seconds(), provisional=pending
        )
        return index


def build_index_from_db() -> GridIndex:
    from .models import Cell

    rows = Cell.objects.filter(is_active=True).values_list("id", "code", "area_id", "area__path", "geometry")
    paths: dict[str, str] = {}  # one string per area, shared by its cells
    return GridIndex(
        (
            LocateResult(cell_id=pk, cell_code=code, area_id=area_id, area_path=paths.setdefault(path, path)),
            shape(geometry),
        )
        for pk, code, area_id, path, geometry in rows.iterator(chunk_size=2000)
    )


def _check_seconds() -> float:
    return float(getattr(settings, "GRIDOPS_LOCATOR_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))


@receiver(setting_changed)
def _check_interval_changed(*, setting: str, **kwargs) -> None:
    # The interval is read when the index is (re)checked; a changed value (tests) applies at once.
    if setting == "GRIDOPS_LOCATOR_CHECK_SECONDS":
        locator_invalidate()


def _db_fingerprint() -> tuple[int, datetime | None]:
    from .models import GridRevision

    row = GridRevision.objects.filter(pk=1).values_list("revision", "changed_at").first()
    # changed_at as well as the counter: a rolled-back transaction can reuse a counter value.
    return (row[0], row[1]) if row else (0, None)


def _grid_change_pending() -> bool:
    """Did the current transaction change the grid (a revision bump waits for the commit)?

    Then an index built from committed data is stale for this transaction, and an index built
    inside it must not outlive it (tests roll every transaction back).
    """
    global _bump_callback
    conn = connections[DEFAULT_DB_ALIAS]
    if not conn.in_atomic_block:
        return False
    if _bump_callback is None:
        from .services import _clear_local_locator

        _bump_callback = _clear_local_locator
    return any(entry[1] is _bump_callback for entry in conn.run_on_commit)


# -- details for people -------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class LocateDetail:
    cell_id: int
    cell_code: str
    cell_name: str
    areas: list[AreaRef]  # from the city down to the cell's own area
    officer_name: str | None  # public display name of the officer responsible now; never a username


def locate_detail(lon: float, lat: float, *, at: datetime | None = None) -> LocateDetail | None:
    """The cell covering the WGS84 point with its area path and responsible officer, or None."""
    from .models import Cell
    from .selectors import area_ancestors, cell_responsible_officer

    found = locate(lon, lat)
    if found is None:
        return None
    cell = Cell.objects.select_related("area").get(pk=found.cell_id)
    officer = cell_responsible_officer(cell=cell, at=at)
    return LocateDetail(
        cell_id=cell.pk,
        cell_code=cell.code,
        cell_name=cell.label,
        areas=[AreaRef(code=a.code, name=a.label, level=a.level) for a in area_ancestors(area=cell.area)],
        officer_name=officer_public_name(officer) if officer else None,
    )


def officer_public_name(officer) -> str:
    """The name shown to the public: the officer's full name, never the login name."""
    from django.utils.translation import gettext

    return officer.full_name or officer.get_full_name() or gettext("Grid officer")
