import pytest

from apps.grid.coords import CRS, from_wgs84, to_wgs84
from apps.grid.geometry import distance_m
from gridops.errors import DomainError

# Published pairs (googollee/eviltransform's test vectors), (lat, lon) there, (lon, lat) here.
SHENZHEN_WGS = (113.912316, 22.543847)
SHENZHEN_GCJ = (113.9171764808363, 22.540796131694766)
BD = (120.019809, 29.199786)
BD_AS_WGS = (120.00877901149691, 29.196131605295484)


def test_wgs84_to_gcj02_matches_the_published_shenzhen_pair():
    lon, lat = from_wgs84(*SHENZHEN_WGS, CRS.GCJ02)
    assert distance_m(lon, lat, *SHENZHEN_GCJ) < 0.01


def test_gcj02_to_wgs84_inverts_the_published_pair_within_a_metre():
    lon, lat = to_wgs84(*SHENZHEN_GCJ, "gcj02")
    assert distance_m(lon, lat, *SHENZHEN_WGS) < 1.0


def test_the_gcj02_offset_in_shenzhen_is_hundreds_of_metres():
    assert 300 < distance_m(*SHENZHEN_WGS, *SHENZHEN_GCJ) < 1000


def test_bd09_to_wgs84_agrees_with_the_published_pair_and_inverts_the_forward_transform():
    lon, lat = to_wgs84(*BD, CRS.BD09)
    # The published value comes from a rough (one-step) inverse; implementations differ by ~10 m.
    assert distance_m(lon, lat, *BD_AS_WGS) < 15
    assert distance_m(*from_wgs84(lon, lat, CRS.BD09), *BD) < 0.01


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
@pytest.mark.parametrize("point", [(114.0579, 22.5431), (113.85, 22.75), (114.5, 22.6), (116.3975, 39.9087)])
def test_round_trip_error_is_below_a_metre(crs, point):
    there = from_wgs84(*point, crs)
    back = to_wgs84(*there, crs)
    assert distance_m(*back, *point) < 1.0
    assert distance_m(*there, *point) > 100  # the conversion did something


def test_wgs84_is_returned_unchanged():
    assert to_wgs84(114.1, 22.6, "wgs84") == (114.1, 22.6)


def test_points_outside_china_are_not_shifted():
    assert to_wgs84(2.35, 48.85, CRS.GCJ02) == (2.35, 48.85)
    assert from_wgs84(2.35, 48.85, CRS.BD09) == (2.35, 48.85)


def test_crs_names_are_case_insensitive():
    assert to_wgs84(*SHENZHEN_GCJ, "GCJ02") == to_wgs84(*SHENZHEN_GCJ, "gcj02")


def test_unknown_crs_is_a_domain_error_on_crs():
    with pytest.raises(DomainError) as err:
        to_wgs84(114.0, 22.5, "epsg3857")
    assert err.value.field == "crs"


@pytest.mark.parametrize(("lon", "lat", "field"), [(181, 22, "lon"), (114, -91, "lat"), (float("nan"), 22, "lon")])
def test_out_of_range_coordinates_name_the_field(lon, lat, field):
    with pytest.raises(DomainError) as err:
        to_wgs84(lon, lat, "gcj02")
    assert err.value.field == field
