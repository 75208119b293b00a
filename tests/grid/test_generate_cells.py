import time

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from apps.grid import locator
from apps.grid.choices import AreaLevel
from apps.grid.generator import cells_generate
from apps.grid.models import Cell
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
    cells_generate(area=community, size_m=500, min_fraction=0)  # cells 001 and 002 of the fixture already exist
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
    report = cells_generate(area=sub, size_m=500)
    assert set(report.cells_by_area) == {"440304001001", "440304001002", "440304001"}
    communities = {a.pk: shape(a.geometry) for a in (city.community_d, other)}
    for cell in Cell.objects.filter(path__startswith=sub.path).exclude(pk__in=[city.cell_a.pk, city.cell_b.pk]):
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
