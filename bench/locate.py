"""Benchmark: point-to-cell lookups with the locator's index against a naive loop over all polygons.

20,000 synthetic cells over Shenzhen's bounding box (a 200 x 100 lattice whose inner vertices
are jittered, so cells are irregular quadrilaterals sharing edges and vertices exactly; every
37th cell has a hole, every 53rd an island), built straight into `GridIndex`, the class
`apps.grid.locator.locate` uses (no database). 100,000 random points inside the bbox.

Baseline `naive`: for each point, test every polygon (prepared, `shapely.intersects_xy`) and keep
the smallest code that covers it. It is measured on a sample of points and extrapolated to
lookups per second. A second reference, `strtree`, queries a shapely STRtree per point.
Correctness: the index's answer is compared with an exact oracle (all polygons tested, smallest
code) on random points, on shared lattice vertices and on points in holes: `mismatches=`.

Run: .venv/bin/python bench/locate.py [--cells-x 200 --cells-y 100 --points 100000 --naive-sample 200]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridops.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import MultiPolygon, Polygon  # noqa: E402

from apps.grid.locator import GridIndex, LocateResult, naive_locate  # noqa: E402

BBOX = (113.75, 22.45, 114.65, 22.85)  # Shenzhen, roughly


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def synthetic_grid(nx: int, ny: int, seed: int) -> tuple[list[tuple[LocateResult, Polygon]], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BBOX
    sx, sy = (x1 - x0) / nx, (y1 - y0) / ny
    xs = x0 + np.arange(nx + 1)[:, None] * sx + np.zeros((1, ny + 1))
    ys = y0 + np.arange(ny + 1)[None, :] * sy + np.zeros((nx + 1, 1))
    jitter_x = rng.uniform(-0.3, 0.3, xs.shape) * sx
    jitter_y = rng.uniform(-0.3, 0.3, ys.shape) * sy
    jitter_x[[0, -1], :] = 0
    jitter_y[:, [0, -1]] = 0
    xs, ys = xs + jitter_x, ys + jitter_y
    entries = []
    hole_points = []
    for i in range(nx):
        for j in range(ny):
            n = i * ny + j
            ring = [
                (xs[i, j], ys[i, j]),
                (xs[i + 1, j], ys[i + 1, j]),
                (xs[i + 1, j + 1], ys[i + 1, j + 1]),
                (xs[i, j + 1], ys[i, j + 1]),
            ]
            cx, cy = sum(p[0] for p in ring) / 4, sum(p[1] for p in ring) / 4
            geom: Polygon | MultiPolygon = Polygon(ring)
            if n % 37 == 0:  # a hole in the middle
                hx, hy = sx * 0.1, sy * 0.1
                geom = Polygon(ring, [[(cx - hx, cy - hy), (cx + hx, cy - hy), (cx + hx, cy + hy), (cx - hx, cy + hy)]])
                hole_points.append((cx, cy))
            elif n % 53 == 0:  # a cell made of its quadrilateral and a small island inside a hole of its own
                hx, hy = sx * 0.15, sy * 0.15
                island = Polygon(
                    [
                        (cx - hx / 2, cy - hy / 2),
                        (cx + hx / 2, cy - hy / 2),
                        (cx + hx / 2, cy + hy / 2),
                        (cx - hx / 2, cy + hy / 2),
                    ]
                )
                shell = Polygon(
                    ring, [[(cx - hx, cy - hy), (cx + hx, cy - hy), (cx + hx, cy + hy), (cx - hx, cy + hy)]]
                )
                geom = MultiPolygon([shell, island])
                hole_points.append((cx + hx * 0.75, cy))  # in the moat between shell and island
            entries.append((LocateResult(cell_id=n + 1, cell_code=f"{n:08d}", area_id=1), geom))
    vertices = np.column_stack([xs[1:-1, 1:-1].ravel(), ys[1:-1, 1:-1].ravel()])
    return entries, vertices, np.array(hole_points)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells-x", type=int, default=200)
    parser.add_argument("--cells-y", type=int, default=100)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument("--check-sample", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()

    entries, vertices, hole_points = synthetic_grid(args.cells_x, args.cells_y, args.seed)
    print(f"cells={len(entries)}")
    geoms = np.array([g for _, g in entries], dtype=object)

    rss_before = rss_mb()
    tracemalloc.start()
    t = time.perf_counter()
    index = GridIndex(entries)
    build_s = time.perf_counter() - t
    index_bytes, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"index_build_s={build_s:.2f}")
    print(f"index_mb={index_bytes / 2**20:.1f}")  # Python objects and numpy arrays (tracemalloc)
    print(f"index_rss_delta_mb={rss_mb() - rss_before:.1f}")  # also GEOS memory of prepared geometries
    for key, value in index.stats().items():
        print(f"index_{key}={value}")

    rng = random.Random(args.seed)
    x0, y0, x1, y1 = BBOX
    points = [(rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(args.points)]

    locate = index.locate
    t = time.perf_counter()
    found = 0
    for lon, lat in points:
        if locate(lon, lat) is not None:
            found += 1
    elapsed = time.perf_counter() - t
    lookups_per_s = len(points) / elapsed
    print(f"points={len(points)} inside={found}")
    print(f"lookups_per_s={lookups_per_s:.0f}")

    # The public `locate()` on the same index, between two revision checks (no database query).
    from django.conf import settings

    from apps.grid import locator

    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 3600
    locator._loaded = locator._Loaded(
        index=index, fingerprint=(0, None), recheck_at=locator._clock() + 3600, provisional=False
    )
    sample = points[:20_000]
    t = time.perf_counter()
    for lon, lat in sample:
        locator.locate(lon, lat)
    print(f"locate_fn_lookups_per_s={len(sample) / (time.perf_counter() - t):.0f}  # apps.grid.locator.locate()")
    locator.locator_invalidate()

    tree = shapely.STRtree(geoms)
    codes = [r.cell_code for r, _ in entries]
    sample = points[:2000]
    t = time.perf_counter()
    for lon, lat in sample:
        hits = tree.query(shapely.Point(lon, lat), predicate="intersects")
        min((codes[h] for h in hits), default=None)
    print(f"strtree_lookups_per_s={len(sample) / (time.perf_counter() - t):.0f}  # reference, on {len(sample)} points")

    sample = points[: args.naive_sample]
    t = time.perf_counter()
    for lon, lat in sample:
        naive_locate(entries, lon, lat)
    naive_per_s = len(sample) / (time.perf_counter() - t)
    print(f"naive_lookups_per_s={naive_per_s:.1f}  # baseline, measured on {len(sample)} points, extrapolated")
    print(f"speedup_vs_naive={lookups_per_s / naive_per_s:.0f}")

    # Exactness: random points, shared vertices (4 cells meet), points in holes and moats.
    checks = points[: args.check_sample] + [tuple(v) for v in vertices[:: max(1, len(vertices) // 300)]]
    checks += [tuple(p) for p in hole_points[:100]]
    mismatches = 0
    for lon, lat in checks:
        covering = np.flatnonzero(shapely.intersects_xy(geoms, lon, lat))
        expected = min((codes[c] for c in covering), default=None)
        got = locate(lon, lat)
        if (got.cell_code if got else None) != expected:
            mismatches += 1
    print(f"checked={len(checks)}")
    print(f"mismatches={mismatches}")


if __name__ == "__main__":
    main()
