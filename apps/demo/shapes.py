"""Geometry of the demo city: an outline shaped like Shenzhen, split into districts, subdistricts,
communities, and square grid cells clipped to the communities.

Districts are the union of Voronoi regions of a few hand-placed seeds each (roughly where the
real districts are), clipped to the outline: they tile the city with no gaps or overlaps.
Subdistricts and communities split their parent the same way from seeded random points, evened
out by a few rounds of Lloyd relaxation. Cells are squares of `cell_size_m` metres laid on the
city's bounding box and clipped to each community; a clipped piece smaller than a fraction of a
full square is merged into the neighbouring piece it shares the longest edge with, so cells
cover every community completely.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.ops import unary_union

from apps.grid.geometry import EARTH_RADIUS_M

# The city outline (lon, lat), clockwise from the north-west: the Pearl River estuary in the
# west, Dongguan and Huizhou in the north, Dapeng Bay in the east, Hong Kong in the south.
OUTLINE: list[tuple[float, float]] = [
    (113.765, 22.790),
    (113.800, 22.835),
    (113.860, 22.862),
    (113.930, 22.850),
    (113.990, 22.846),
    (114.050, 22.842),
    (114.110, 22.815),
    (114.170, 22.800),
    (114.230, 22.790),
    (114.300, 22.785),
    (114.370, 22.770),
    (114.430, 22.745),
    (114.500, 22.705),
    (114.560, 22.670),
    (114.620, 22.625),
    (114.640, 22.570),
    (114.610, 22.505),
    (114.560, 22.460),
    (114.500, 22.470),
    (114.470, 22.520),
    (114.420, 22.555),
    (114.360, 22.580),
    (114.310, 22.585),
    (114.260, 22.565),
    (114.220, 22.550),
    (114.180, 22.552),
    (114.140, 22.538),
    (114.100, 22.528),
    (114.060, 22.512),
    (114.010, 22.506),
    (113.970, 22.508),
    (113.940, 22.495),
    (113.915, 22.470),
    (113.885, 22.475),
    (113.880, 22.505),
    (113.870, 22.545),
    (113.850, 22.575),
    (113.830, 22.615),
    (113.800, 22.660),
    (113.780, 22.710),
    (113.765, 22.790),
]

# code, Chinese name, English name, seeds (lon, lat) whose Voronoi regions make up the district
DISTRICTS: list[tuple[str, str, str, list[tuple[float, float]]]] = [
    ("440303", "罗湖区", "Luohu", [(114.125, 22.560), (114.150, 22.585), (114.170, 22.600)]),
    ("440304", "福田区", "Futian", [(114.030, 22.535), (114.065, 22.540), (114.050, 22.570)]),
    ("440305", "南山区", "Nanshan", [(113.920, 22.505), (113.925, 22.545), (113.960, 22.555), (113.975, 22.590)]),
    (
        "440306",
        "宝安区",
        "Bao'an",
        [
            (113.880, 22.585),
            (113.850, 22.640),
            (113.825, 22.700),
            (113.815, 22.770),
            (113.900, 22.650),
            (113.880, 22.700),
        ],
    ),
    (
        "440307",
        "龙岗区",
        "Longgang",
        [
            (114.110, 22.650),
            (114.130, 22.720),
            (114.170, 22.650),
            (114.230, 22.690),
            (114.250, 22.745),
            (114.290, 22.650),
            (114.440, 22.610),
            (114.520, 22.560),
            (114.580, 22.600),
            (114.480, 22.680),
            (114.590, 22.520),
        ],
    ),
    ("440308", "盐田区", "Yantian", [(114.235, 22.568), (114.275, 22.588), (114.320, 22.592)]),
    (
        "440309",
        "龙华区",
        "Longhua",
        [(114.030, 22.640), (114.050, 22.690), (114.040, 22.750), (114.080, 22.620), (114.000, 22.700)],
    ),
    ("440310", "坪山区", "Pingshan", [(114.340, 22.690), (114.380, 22.730), (114.400, 22.670)]),
    ("440311", "光明区", "Guangming", [(113.930, 22.760), (113.960, 22.800), (113.900, 22.810), (113.950, 22.730)]),
]

# Simplified Chinese has no Unicode compatibility issues here; pinyin spellings are hand-written.
SUBDISTRICTS: dict[str, list[tuple[str, str]]] = {
    "440304": [
        ("福田", "Futian"),
        ("南园", "Nanyuan"),
        ("园岭", "Yuanling"),
        ("沙头", "Shatou"),
        ("香蜜湖", "Xiangmihu"),
        ("梅林", "Meilin"),
        ("莲花", "Lianhua"),
        ("华富", "Huafu"),
        ("华强北", "Huaqiangbei"),
        ("福保", "Fubao"),
    ],
    "440303": [
        ("桂园", "Guiyuan"),
        ("黄贝", "Huangbei"),
        ("东门", "Dongmen"),
        ("翠竹", "Cuizhu"),
        ("东晓", "Dongxiao"),
        ("南湖", "Nanhu"),
        ("笋岗", "Sungang"),
        ("东湖", "Donghu"),
        ("莲塘", "Liantang"),
        ("清水河", "Qingshuihe"),
    ],
    "440305": [
        ("南头", "Nantou"),
        ("南山", "Nanshan"),
        ("沙河", "Shahe"),
        ("蛇口", "Shekou"),
        ("招商", "Zhaoshang"),
        ("粤海", "Yuehai"),
        ("桃源", "Taoyuan"),
        ("西丽", "Xili"),
    ],
    "440306": [
        ("新安", "Xin'an"),
        ("西乡", "Xixiang"),
        ("航城", "Hangcheng"),
        ("福永", "Fuyong"),
        ("福海", "Fuhai"),
        ("沙井", "Shajing"),
        ("新桥", "Xinqiao"),
        ("松岗", "Songgang"),
        ("燕罗", "Yanluo"),
        ("石岩", "Shiyan"),
    ],
    "440307": [
        ("平湖", "Pinghu"),
        ("坂田", "Bantian"),
        ("布吉", "Buji"),
        ("南湾", "Nanwan"),
        ("横岗", "Henggang"),
        ("龙城", "Longcheng"),
        ("龙岗", "Longgang"),
        ("坪地", "Pingdi"),
        ("吉华", "Jihua"),
        ("宝龙", "Baolong"),
        ("园山", "Yuanshan"),
        ("葵涌", "Kuichong"),
        ("大鹏", "Dapeng"),
        ("南澳", "Nan'ao"),
    ],
    "440308": [("梅沙", "Meisha"), ("盐田", "Yantian"), ("沙头角", "Shatoujiao"), ("海山", "Haishan")],
    "440309": [
        ("观湖", "Guanhu"),
        ("民治", "Minzhi"),
        ("龙华", "Longhua"),
        ("大浪", "Dalang"),
        ("福城", "Fucheng"),
        ("观澜", "Guanlan"),
    ],
    "440310": [
        ("坪山", "Pingshan"),
        ("马峦", "Maluan"),
        ("碧岭", "Biling"),
        ("石井", "Shijing"),
        ("坑梓", "Kengzi"),
        ("龙田", "Longtian"),
    ],
    "440311": [
        ("光明", "Guangming"),
        ("公明", "Gongming"),
        ("新湖", "Xinhu"),
        ("凤凰", "Fenghuang"),
        ("玉塘", "Yutang"),
        ("马田", "Matian"),
    ],
}

_FIRST = [
    ("福", "Fu"),
    ("华", "Hua"),
    ("新", "Xin"),
    ("安", "An"),
    ("民", "Min"),
    ("康", "Kang"),
    ("和", "He"),
    ("兴", "Xing"),
    ("景", "Jing"),
    ("云", "Yun"),
    ("金", "Jin"),
    ("桂", "Gui"),
    ("翠", "Cui"),
    ("莲", "Lian"),
    ("梅", "Mei"),
    ("松", "Song"),
    ("海", "Hai"),
    ("明", "Ming"),
    ("光", "Guang"),
    ("龙", "Long"),
    ("凤", "Feng"),
    ("宝", "Bao"),
    ("田", "Tian"),
    ("山", "Shan"),
    ("星", "Xing"),
    ("阳", "Yang"),
    ("荔", "Li"),
    ("榕", "Rong"),
    ("东", "Dong"),
    ("南", "Nan"),
    ("西", "Xi"),
    ("北", "Bei"),
    ("香", "Xiang"),
    ("清", "Qing"),
    ("永", "Yong"),
    ("泰", "Tai"),
    ("乐", "Le"),
    ("嘉", "Jia"),
]
_SECOND = [
    ("苑", "yuan"),
    ("岭", "ling"),
    ("村", "cun"),
    ("林", "lin"),
    ("湾", "wan"),
    ("坑", "keng"),
    ("围", "wei"),
    ("塘", "tang"),
    ("岗", "gang"),
    ("湖", "hu"),
    ("园", "yuan"),
    ("河", "he"),
    ("城", "cheng"),
    ("庄", "zhuang"),
    ("洲", "zhou"),
    ("丰", "feng"),
    ("源", "yuan"),
    ("荫", "yin"),
    ("口", "kou"),
    ("头", "tou"),
    ("沙", "sha"),
    ("桥", "qiao"),
    ("坪", "ping"),
    ("溪", "xi"),
    ("峰", "feng"),
    ("苗", "miao"),
]


def community_names(rng: random.Random) -> list[tuple[str, str]]:
    """All synthetic community names ("福苑社区", "Fuyuan"), shuffled."""
    names = [(a + b, ae + be) for a, ae in _FIRST for b, be in _SECOND if a != b]
    rng.shuffle(names)
    return names


def _polygons_of(geom) -> list[Polygon]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons_of(g)]
    return []


def polygonal(geom):
    """Only the polygonal part of `geom` (intersections can add stray lines and points)."""
    parts = _polygons_of(geom)
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def city_outline() -> Polygon:
    return Polygon(OUTLINE)


def _voronoi(points: Sequence[tuple[float, float]], within) -> list:
    """The Voronoi region of each point, in the order of the points, clipped to `within`."""
    regions = shapely.voronoi_polygons(MultiPoint(points), extend_to=within.envelope.buffer(0.1), ordered=True)
    return [polygonal(region.intersection(within)) for region in regions.geoms]


def district_shapes() -> list:
    """The nine districts' polygons, in the order of DISTRICTS."""
    outline = city_outline()
    seeds, owners = [], []
    for index, (_code, _name, _en, points) in enumerate(DISTRICTS):
        seeds.extend(points)
        owners.extend([index] * len(points))
    regions = _voronoi(seeds, outline)
    parts: list[list] = [[] for _ in DISTRICTS]
    for owner, region in zip(owners, regions, strict=True):
        parts[owner].append(region)
    return [polygonal(unary_union(p)) for p in parts]


def _random_points_in(geom, n: int, rng: random.Random) -> list[tuple[float, float]]:
    min_x, min_y, max_x, max_y = geom.bounds
    prepared = shapely.prepared.prep(geom)
    points: list[tuple[float, float]] = []
    while len(points) < n:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if prepared.contains(Point(x, y)):
            points.append((x, y))
    return points


def split(geom, n: int, rng: random.Random, *, rounds: int = 3) -> list:
    """Split `geom` into `n` parts of similar size, ordered north to south, west to east."""
    if n <= 1:
        return [geom]
    seeds = _random_points_in(geom, n, rng)
    parts = _voronoi(seeds, geom)
    for _ in range(rounds):  # Lloyd relaxation: move each seed to the centroid of its part
        seeds = []
        for part in parts:
            point = part.centroid if not part.is_empty and geom.contains(part.centroid) else None
            if point is None:
                point = part.representative_point() if not part.is_empty else Point(_random_points_in(geom, 1, rng)[0])
            seeds.append((point.x, point.y))
        parts = _voronoi(seeds, geom)
    parts = [p for p in parts if not p.is_empty]
    return sorted(parts, key=lambda p: (-round(p.centroid.y, 3), p.centroid.x))


def metres_to_degrees(size_m: float, lat: float) -> tuple[float, float]:
    dlat = math.degrees(size_m / EARTH_RADIUS_M)
    return dlat / math.cos(math.radians(lat)), dlat


def cells_for(community, *, origin: tuple[float, float], step: tuple[float, float], min_fraction: float = 0.25) -> list:
    """Cover `community` with grid squares clipped to it; slivers join a neighbour."""
    (x0, y0), (dx, dy) = origin, step
    min_x, min_y, max_x, max_y = community.bounds
    i0, i1 = math.floor((min_x - x0) / dx), math.ceil((max_x - x0) / dx)
    j0, j1 = math.floor((min_y - y0) / dy), math.ceil((max_y - y0) / dy)
    ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j1 - 1, j0 - 1, -1))  # rows north to south
    xs, ys = x0 + ii.ravel() * dx, y0 + jj.ravel() * dy
    boxes = shapely.box(xs, ys, xs + dx, ys + dy)
    pieces = [polygonal(g) for g in shapely.intersection(boxes, community)]
    pieces = [p for p in pieces if not p.is_empty and p.area > 0]
    full = dx * dy
    big = [p for p in pieces if p.area >= min_fraction * full]
    small = [p for p in pieces if p.area < min_fraction * full]
    if not big:
        return [polygonal(unary_union(pieces))] if pieces else []
    merged: dict[int, list] = {}
    for piece in small:
        shared = shapely.length(shapely.intersection(piece.boundary, shapely.boundary(np.array(big, dtype=object))))
        best = int(np.argmax(shared))
        if shared[best] > 0:
            merged.setdefault(best, []).append(piece)
        else:
            big.append(piece)  # touches no big piece along an edge: a cell of its own
    for index, extra in merged.items():
        big[index] = polygonal(unary_union([big[index], *extra]))
    return big


def geojson(geom, ndigits: int = 7) -> dict:
    """GeoJSON of `geom` with coordinates rounded (7 digits: about a centimetre)."""
    return mapping(shapely.transform(geom, lambda coords: np.round(coords, ndigits)))
