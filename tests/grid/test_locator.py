import math
import random

import pytest
from django.db.models import F
from shapely.geometry import MultiPolygon, Polygon, box

from apps.grid import locator
from apps.grid import services as grid_services
from apps.grid.coords import CRS, from_wgs84, to_wgs84
from apps.grid.locator import GridIndex, LocateResult, locate, locate_detail, naive_locate
from apps.grid.models import Cell, GridRevision
from tests import factories
from tests.conftest import LAT_A, LON_A


def entry(code: str, geom) -> tuple[LocateResult, object]:
    return LocateResult(cell_id=int(code), cell_code=code, area_id=1), geom


def code_at(index: GridIndex, lon: float, lat: float) -> str | None:
    found = index.locate(lon, lat)
    return found.cell_code if found else None


@pytest.fixture
def two_by_two() -> GridIndex:
    # 02 | 04      Unit squares; codes deliberately not in spatial order.
    # 03 | 01
    return GridIndex(
        [
            entry("01", box(1, 0, 2, 1)),
            entry("02", box(0, 1, 1, 2)),
            entry("03", box(0, 0, 1, 1)),
            entry("04", box(1, 1, 2, 2)),
        ]
    )


def test_point_inside_a_cell_finds_it(two_by_two):
    assert code_at(two_by_two, 0.5, 0.5) == "03"
    assert code_at(two_by_two, 1.5, 1.5) == "04"


def test_point_on_a_shared_edge_goes_to_the_smallest_code(two_by_two):
    assert code_at(two_by_two, 1.0, 0.5) == "01"  # between 03 and 01
    assert code_at(two_by_two, 0.5, 1.0) == "02"  # between 03 and 02
    assert code_at(two_by_two, 1.5, 1.0) == "01"  # between 01 and 04


def test_point_on_a_vertex_shared_by_four_cells_goes_to_the_smallest_code(two_by_two):
    assert code_at(two_by_two, 1.0, 1.0) == "01"


def test_point_on_the_outer_boundary_belongs_to_the_cell(two_by_two):
    assert code_at(two_by_two, 2.0, 2.0) == "04"
    assert code_at(two_by_two, 0.0, 0.0) == "03"
    assert code_at(two_by_two, 2.0, 0.3) == "01"


@pytest.mark.parametrize(("lon", "lat"), [(-0.1, 0.5), (2.0001, 1), (1, 2.5), (math.nan, 1), (1, math.inf)])
def test_point_outside_every_cell_is_none(two_by_two, lon, lat):
    assert two_by_two.locate(lon, lat) is None


def test_point_in_a_hole_is_not_in_the_cell_unless_an_island_fills_it():
    ring = [(0, 0), (4, 0), (4, 4), (0, 4)]
    hole = [(1, 1), (3, 1), (3, 3), (1, 3)]
    index = GridIndex([entry("10", Polygon(ring, [hole])), entry("20", box(1.5, 1.5, 2.5, 2.5))])
    assert code_at(index, 0.5, 0.5) == "10"
    assert code_at(index, 1.2, 1.2) is None  # in the hole, outside the island
    assert code_at(index, 2.0, 2.0) == "20"  # on the island in the hole
    assert code_at(index, 1.0, 2.0) == "10"  # on the hole's edge: the closed polygon covers it


def test_multipolygon_cell_is_found_on_each_of_its_islands():
    index = GridIndex([entry("1", MultiPolygon([box(0, 0, 1, 1), box(5, 5, 6, 6)])), entry("2", box(2, 2, 3, 3))])
    assert code_at(index, 0.5, 0.5) == "1"
    assert code_at(index, 5.5, 5.5) == "1"
    assert code_at(index, 2.5, 2.5) == "2"
    assert code_at(index, 4.0, 4.0) is None  # between the islands


def test_an_empty_index_finds_nothing():
    assert GridIndex([]).locate(114.0, 22.5) is None


def _irregular_grid(n: int, seed: int) -> tuple[list, list[tuple[float, float]]]:
    rng = random.Random(seed)
    xs = [[i + (rng.uniform(-0.3, 0.3) if 0 < i < n else 0) for _ in range(n + 1)] for i in range(n + 1)]
    ys = [[j + (rng.uniform(-0.3, 0.3) if 0 < j < n else 0) for j in range(n + 1)] for _ in range(n + 1)]
    entries, vertices = [], []
    for i in range(n):
        for j in range(n):
            ring = [
                (xs[i][j], ys[i][j]),
                (xs[i + 1][j], ys[i + 1][j]),
                (xs[i + 1][j + 1], ys[i + 1][j + 1]),
                (xs[i][j + 1], ys[i][j + 1]),
            ]
            code = f"{(i * 7919 + j * 104729) % 1000003:07d}"  # codes unrelated to position
            geom = Polygon(ring)
            if (i + j) % 5 == 0:  # some cells with a hole
                cx, cy = sum(p[0] for p in ring) / 4, sum(p[1] for p in ring) / 4
                geom = Polygon(
                    ring, [[(cx - 0.1, cy - 0.1), (cx + 0.1, cy - 0.1), (cx + 0.1, cy + 0.1), (cx - 0.1, cy + 0.1)]]
                )
                vertices += [(cx, cy), (cx - 0.1, cy)]
            entries.append(entry(code, geom))
            vertices.append(ring[0])
    return entries, vertices


@pytest.mark.parametrize("buckets_per_cell", [1, 3, 6])
def test_index_agrees_with_testing_every_polygon(buckets_per_cell):
    entries, vertices = _irregular_grid(12, seed=buckets_per_cell)
    index = GridIndex(entries, buckets_per_cell=buckets_per_cell)
    rng = random.Random(7)
    points = [(rng.uniform(-0.5, 12.5), rng.uniform(-0.5, 12.5)) for _ in range(1500)] + vertices
    for lon, lat in points:
        expected = naive_locate(entries, lon, lat)
        assert index.locate(lon, lat) == expected, (lon, lat)


# -- the process's index over the database -----------------------------------------------------


@pytest.fixture
def check_every_call(settings):
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 0
    locator.locator_invalidate()
    yield
    locator.locator_invalidate()


def test_locate_routes_to_the_city_cells(city, check_every_call):
    found = locate(LON_A + 0.005, LAT_A + 0.005)
    assert found == LocateResult(
        cell_id=city.cell_a.pk,
        cell_code=city.cell_a.code,
        area_id=city.community_d.pk,
        area_path=city.community_d.path,
    )
    assert locate(114.0151, 22.5049).cell_code == city.cell_b.code
    assert locate(LON_A + 0.01, LAT_A + 0.005).cell_code == city.cell_a.code  # shared edge: smaller code
    assert locate(120.0, 30.0) is None


def test_gcj02_point_reaches_the_cell_of_its_wgs84_original_only_after_conversion(city, check_every_call):
    wgs = (LON_A + 0.008, LAT_A + 0.005)  # in cell A, some 200 m from cell B
    gcj = from_wgs84(*wgs, CRS.GCJ02)
    assert locate(*to_wgs84(*gcj, CRS.GCJ02)).cell_code == city.cell_a.code
    assert locate(*gcj).cell_code == city.cell_b.code  # the raw map value, taken as GPS, is in the wrong cell


def test_inactive_cells_are_not_routed_to(city, check_every_call):
    Cell.objects.filter(pk=city.cell_a.pk).update(is_active=False)
    grid_services.grid_revision_bump()
    assert locate(LON_A + 0.005, LAT_A + 0.005) is None


def test_cells_created_in_the_current_transaction_are_seen_even_between_checks(city, settings):
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 3600
    locator.locator_invalidate()
    assert locate(114.025, 22.505) is None
    factories.make_cell("440304001001003", city.community_d, 114.02, 22.50)
    assert locate(114.025, 22.505).cell_code == "440304001001003"
    locator.locator_invalidate()


def test_index_rebuilds_when_another_process_bumps_the_revision(city, settings, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(locator, "_clock", lambda: now[0])
    monkeypatch.setattr(locator, "_grid_change_pending", lambda: False)  # as if the fixture had committed
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 2
    locator.locator_invalidate()
    assert locate(114.025, 22.505) is None
    # Another process adds a cell and bumps the revision (not through this connection's services).
    Cell.objects.create(
        code="X1",
        name="X1",
        area=city.community_d,
        path=city.community_d.path + "X1/",
        geometry=factories.square(114.02, 22.50),
        min_lon=114.02,
        min_lat=22.50,
        max_lon=114.03,
        max_lat=22.51,
    )
    GridRevision.objects.filter(pk=1).update(revision=F("revision") + 1)
    now[0] += 1  # within the check interval: the index in memory is still used
    assert locate(114.025, 22.505) is None
    now[0] += 2  # past it: the revision is compared and the index rebuilt
    assert locate(114.025, 22.505).cell_code == "X1"
    locator.locator_invalidate()


def test_index_is_not_rebuilt_while_the_grid_is_unchanged(city, check_every_call, django_assert_num_queries):
    locate(LON_A, LAT_A)
    with django_assert_num_queries(1):  # the revision check only
        locate(LON_A + 0.001, LAT_A + 0.001)


def test_locate_detail_gives_the_area_path_and_the_officer_public_name(cast, city, check_every_call):
    cast.officer_a.full_name = "王芳"
    cast.officer_a.save()
    detail = locate_detail(LON_A + 0.005, LAT_A + 0.005)
    assert detail.cell_code == city.cell_a.code
    assert [a.code for a in detail.areas] == ["440300", "440304", "440304001", "440304001001"]
    assert [a.level for a in detail.areas] == ["city", "district", "subdistrict", "community"]
    assert detail.officer_name == "王芳"
    assert locate_detail(120.0, 30.0) is None


def test_locate_detail_never_falls_back_to_the_login_name(cast, city, check_every_call):
    cast.officer_a.full_name = ""
    cast.officer_a.save()
    detail = locate_detail(LON_A + 0.005, LAT_A + 0.005)
    assert detail.officer_name != "officer_a"
    assert detail.officer_name
