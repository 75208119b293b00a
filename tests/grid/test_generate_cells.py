import time

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from apps.grid import locator
from apps.grid import services as grid_services
from apps.grid.choices import AreaLevel
from apps.grid.generator import CellsExist, cells_generate, describe_cell_counts
from apps.grid.models import Cell, GridRevision
from gridops.errors import DomainError
from tests import factories


def triangle(lon, lat, size):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon, lat + size], [lon, lat]]]}


@pytest.fixture
def community(city):
    city.community_d.geometry = factories.square(114.0, 22.5, 0.01)
    city.community_d.save()
    return city.community_d


def union_of(cells):
    return shapely.union_all([shape(c.geometry) for c in cells])


def test_cells_cover_the_boundary_without_overlap(community):
    Cell.objects.filter(area=community).delete()
    report = cells_generate(area=community, size_m=100, min_fraction=0)
    cells = list(Cell.objects.filter(area=community))
    assert report.cells_created == len(cells)
    # 0.01° is ~1112 m north-south and ~1027 m east-west at 22.5°N: 12 x 11 squares of 100 m
    assert len(cells) == 12 * 11
    boundary = shape(community.geometry)
    union = union_of(cells)
    assert union.symmetric_difference(boundary).area < boundary.area * 1e-9
    assert sum(shape(c.geometry).area for c in cells) == pytest.approx(boundary.area, rel=1e-9)  # no overlaps
    full = [c for c in cells if abs(c.area_m2 - 10_000) < 100]
    assert len(full) == 11 * 10  # full 10,000 m² cells; the southernmost row and easternmost column are clipped
    assert all(c.area_m2 <= 10_000 * 1.01 for c in cells)


def test_cells_are_coded_by_their_community_in_reading_order(community):
    Cell.objects.filter(area=community).delete()
    cells_generate(area=community, size_m=250)
    cells = list(Cell.objects.filter(area=community).order_by("code"))
    assert [c.code for c in cells[:3]] == ["440304001001001", "440304001001002", "440304001001003"]
    first, second = shape(cells[0].geometry), shape(cells[1].geometry)
    assert first.bounds[3] == pytest.approx(22.51)  # the first row is the northernmost
    assert first.bounds[0] == pytest.approx(114.0) and second.bounds[0] > first.bounds[0]
    assert cells[0].name == "红荔社区第1网格"
    assert cells[0].path == f"{community.path}{cells[0].code}/"


def test_sequence_continues_after_the_existing_cells(community):
    # just south of cells 001 and 002 of the fixture: sharing an edge with a cell is no overlap
    community.geometry = factories.square(114.0, 22.49, 0.01)
    community.save()
    cells_generate(area=community, size_m=500, min_fraction=0)
    codes = sorted(Cell.objects.filter(area=community).values_list("code", flat=True))
    assert codes[:3] == ["440304001001001", "440304001001002", "440304001001003"]
    assert len(codes) == 2 + 3 * 3


def test_clipping_keeps_the_boundary_and_drops_slivers(city):
    area = city.community_e
    area.geometry = triangle(113.90, 22.40, 0.01)
    area.save()
    Cell.objects.filter(area=area).delete()
    report = cells_generate(area=area, size_m=100, min_fraction=0.3)
    cells = list(Cell.objects.filter(area=area))
    boundary = shape(area.geometry)
    assert report.slivers_dropped > 0
    assert all(boundary.buffer(1e-12).covers(shape(c.geometry)) for c in cells)
    assert all(c.area_m2 >= 0.3 * 10_000 * 0.99 for c in cells)
    Cell.objects.filter(area=area).delete()
    everything = cells_generate(area=area, size_m=100, min_fraction=0)
    assert everything.slivers_dropped == 0
    assert everything.cells_created == report.cells_created + report.slivers_dropped


def test_cells_of_a_higher_area_go_to_the_community_holding_them(city):
    sub = city.subdistrict_d
    sub.geometry = factories.square(114.0, 22.5, 0.02)
    sub.save()
    city.community_d.geometry = factories.square(114.0, 22.5, 0.01)
    city.community_d.save()
    other = factories.make_area(
        "440304001002", AreaLevel.COMMUNITY, sub, factories.square(114.01, 22.5, 0.01), "福中社区"
    )
    Cell.objects.filter(path__startswith=sub.path).delete()
    report = cells_generate(area=sub, size_m=500)
    assert set(report.cells_by_area) == {"440304001001", "440304001002", "440304001"}
    communities = {a.pk: shape(a.geometry) for a in (city.community_d, other)}
    for cell in Cell.objects.filter(path__startswith=sub.path):
        point = shape(cell.geometry).point_on_surface()
        if cell.area_id in communities:
            assert communities[cell.area_id].covers(point)
        else:  # the northern half has no community: those cells belong to the subdistrict itself
            assert cell.area_id == sub.pk
            assert not any(g.covers(point) for g in communities.values())
    assert Cell.objects.filter(area=other).order_by("code").first().code == "440304001002001"


def test_thousands_of_cells_with_four_digit_codes_in_seconds(city):
    area = city.community_e
    area.geometry = factories.square(113.90, 22.40, 0.05)  # ~5.1 x 5.6 km
    area.save()
    started = time.perf_counter()
    report = cells_generate(area=area, size_m=100)
    elapsed = time.perf_counter() - started
    assert report.cells_created > 2500
    assert all(
        len(code) == len(area.code) + 4
        for code in Cell.objects.filter(area=area, code__startswith=area.code)
        .exclude(pk=city.cell_c.pk)
        .values_list("code", flat=True)
    )
    assert elapsed < 20  # generous: about a second on a laptop


def test_generated_cells_are_routed_to_at_once(community, settings):
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 3600
    Cell.objects.filter(area=community).delete()
    locator.locator_invalidate()
    assert locator.locate(114.0005, 22.5095) is None
    cells_generate(area=community, size_m=100)
    assert locator.locate(114.0005, 22.5095).cell_code == "440304001001001"
    locator.locator_invalidate()


def test_an_area_without_a_boundary_or_a_bad_size_is_refused(city):
    with pytest.raises(DomainError) as err:
        cells_generate(area=city.subdistrict_d, size_m=100)
    assert err.value.field == "area"
    city.community_d.geometry = factories.square(114.0, 22.5, 0.01)
    city.community_d.save()
    with pytest.raises(DomainError) as err:
        cells_generate(area=city.community_d, size_m=1)
    assert err.value.field == "size"


def test_command_reports_and_fails_cleanly(community, capsys):
    Cell.objects.filter(area=community).delete()
    call_command("generate_cells", community.code, "--size", "500")
    assert "Created 8 cells in 1 areas under 440304001001 (1 slivers dropped)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No area with code nope"):
        call_command("generate_cells", "nope", "--size", "100")
    with pytest.raises(CommandError, match="no boundary"):
        call_command("generate_cells", "440304001", "--size", "100")


def test_codes_or_names_too_long_for_a_cell_are_refused(city):
    long_code = factories.make_area(
        "4403040010019999999999999999XY", AreaLevel.COMMUNITY, city.subdistrict_d, factories.square(114.03, 22.53)
    )
    with pytest.raises(DomainError, match="4403040010019999999999999999XY") as err:
        cells_generate(area=long_code, size_m=500)
    assert err.value.field == "area"
    long_name = factories.make_area(
        "440304001009", AreaLevel.COMMUNITY, city.subdistrict_d, factories.square(114.04, 22.53), "长" * 200
    )
    with pytest.raises(DomainError, match="440304001009"):
        cells_generate(area=long_name, size_m=500)
    assert not Cell.objects.filter(area__in=[long_code, long_name]).exists()


def revision() -> int:
    return GridRevision.objects.get(pk=1).revision


def test_a_second_run_on_the_same_area_is_refused_and_writes_nothing(community):
    Cell.objects.filter(area=community).delete()
    first = cells_generate(area=community, size_m=500)
    before, bumped = set(Cell.objects.values_list("code", flat=True)), revision()
    for size in (500, 250):  # the same grid again, or a finer one over it
        with pytest.raises(CellsExist) as err:
            cells_generate(area=community, size_m=size)
        assert err.value.cells_by_area == {community.code: first.cells_created}
        assert err.value.field == "area"
        assert f"{community.code} ({first.cells_created} cells)" in str(err.value)
    assert set(Cell.objects.values_list("code", flat=True)) == before
    assert revision() == bumped


def test_cells_of_the_areas_below_in_the_way_are_named_with_their_count(city):
    sub = city.subdistrict_d
    sub.geometry = factories.square(114.0, 22.5, 0.02)  # holds cells A and B of community D
    sub.save()
    factories.make_cell("440304001901", sub, 114.0, 22.51)  # a cell of the subdistrict itself
    with pytest.raises(CellsExist) as err:
        cells_generate(area=sub, size_m=500)
    assert err.value.cells_by_area == {city.community_d.code: 2, sub.code: 1}
    assert str(err.value) == (
        "Cells already exist where new cells would go: 440304001 (1 cell), 440304001001 (2 cells)."
    )
    assert Cell.objects.filter(path__startswith=sub.path).count() == 3


def test_a_neighbours_cell_reaching_over_the_boundary_is_in_the_way(city):
    area = city.community_e
    area.geometry = factories.square(113.90, 22.49, 0.01)  # just south of cell C
    area.save()
    factories.make_cell("440304001001901", city.community_d, 113.905, 22.495, size=0.001)
    with pytest.raises(CellsExist) as err:
        cells_generate(area=area, size_m=500)
    assert err.value.cells_by_area == {city.community_d.code: 1}  # cell C only touches it


def test_inactive_cells_are_not_in_the_way_and_their_codes_are_not_reused(community, city):
    Cell.objects.filter(pk=city.cell_a.pk).update(is_active=False)
    city.cell_b.delete()
    report = cells_generate(area=community, size_m=500)
    codes = sorted(Cell.objects.filter(area=community, is_active=True).values_list("code", flat=True))
    assert len(codes) == report.cells_created
    assert codes[0] == "440304001001002"


def test_skip_existing_fills_only_the_areas_without_cells_and_overlaps_nothing(city):
    sub = city.subdistrict_d
    sub.geometry = factories.square(114.0, 22.5, 0.02)
    sub.save()
    city.community_d.geometry = factories.square(114.0, 22.5, 0.01)  # covered by cell A
    city.community_d.save()
    city.cell_b.delete()
    other = factories.make_area(
        "440304001002", AreaLevel.COMMUNITY, sub, factories.square(114.01, 22.5, 0.01), "福中社区"
    )
    with pytest.raises(CellsExist):
        cells_generate(area=sub, size_m=300, min_fraction=0)
    # 300 m squares do not line up with the communities: some of theirs reach into cell A
    report = cells_generate(area=sub, size_m=300, min_fraction=0, skip_existing=True)
    assert report.areas_skipped == {city.community_d.code: 1}
    assert set(report.cells_by_area) == {other.code, sub.code}
    assert list(Cell.objects.filter(area=city.community_d)) == [city.cell_a]
    cells = list(Cell.objects.filter(path__startswith=sub.path))
    boundary = shape(sub.geometry)
    assert union_of(cells).symmetric_difference(boundary).area < boundary.area * 1e-9  # no gap
    assert sum(shape(c.geometry).area for c in cells) == pytest.approx(boundary.area, rel=1e-9)  # no overlap
    # 114.01 is no column line of the squares: cells begin there only where they were cut along cell A
    assert any(shape(c.geometry).bounds[0] == pytest.approx(114.01) for c in cells if c.area_id == other.pk)


@pytest.mark.parametrize(
    ("strip_width", "cells", "slivers"),
    [(0.0044, 3, 3 + 3), (0.005, 3, 3)],
    ids=["cut-to-a-tenth", "covered-whole"],
)
def test_skip_existing_drops_cut_squares_left_below_the_sliver_fraction(city, strip_width, cells, slivers):
    """500 m squares over a 0.01° square: 3 x 3, the easternmost column a twentieth wide (three
    slivers). A neighbour's cell along the west edge takes nine tenths of the western column (three
    more slivers) or all of it (covered, not slivers)."""
    area = factories.make_area(
        "440305001002", AreaLevel.COMMUNITY, city.subdistrict_e, factories.square(113.90, 22.40, 0.01)
    )
    strip = {
        "type": "Polygon",
        "coordinates": [
            [[113.90, 22.40], [113.90 + strip_width, 22.40], [113.90 + strip_width, 22.41], [113.90, 22.41]]
        ],
    }
    grid_services.cell_create(code="440304001001901", name="strip", area=city.community_d, geometry=strip)
    report = cells_generate(area=area, size_m=500, min_fraction=0.2, skip_existing=True)
    assert (report.cells_created, report.slivers_dropped) == (cells, slivers)
    new = [shape(c.geometry) for c in Cell.objects.filter(area=area)]
    assert all(g.intersection(shape(strip)).area < 1e-15 for g in new)


def test_command_refuses_a_second_run_and_skip_existing_leaves_the_area_alone(community, capsys):
    Cell.objects.filter(area=community).delete()
    call_command("generate_cells", community.code, "--size", "500")
    capsys.readouterr()
    with pytest.raises(CommandError) as err:
        call_command("generate_cells", community.code, "--size", "500")
    message = str(err.value)
    assert "440304001001 (8 cells)" in message
    assert "Nothing was created" in message and "--skip-existing" in message
    assert Cell.objects.filter(area=community).count() == 8
    call_command("generate_cells", community.code, "--size", "500", "--skip-existing")
    out = capsys.readouterr().out
    assert "Created 0 cells in 0 areas under 440304001001" in out
    assert "Left as they were, having cells already: 440304001001 (8 cells)." in out
    assert Cell.objects.filter(area=community).count() == 8


def test_a_long_list_of_areas_is_cut_short():
    counts = {f"4403040010{i:02d}": i for i in range(1, 13)}
    text = describe_cell_counts(counts)
    assert text.startswith("440304001001 (1 cell), 440304001002 (2 cells), ")
    assert "440304001010 (10 cells)" in text and "440304001011" not in text
    assert text.endswith("… and 2 more areas")
