import pytest
from django.urls import include, path

from apps.grid import locator
from apps.grid.coords import CRS, from_wgs84
from tests.conftest import LAT_A, LON_A

URL = "/api/v1/grid/locate"


@pytest.fixture(autouse=True)
def check_every_call(settings):
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 0
    locator.locator_invalidate()
    yield
    locator.locator_invalidate()


@pytest.fixture
def named_officer(cast):
    cast.officer_a.full_name = "王芳"
    cast.officer_a.save()
    return cast.officer_a


def test_anonymous_caller_gets_the_cell_area_path_and_officer(api, city, named_officer):
    response = api.get(URL, {"lon": LON_A + 0.005, "lat": LAT_A + 0.005})
    assert response.status_code == 200
    body = response.json()
    assert body["inside"] is True
    assert body["cell"] == {"code": city.cell_a.code, "name": city.cell_a.name}
    assert [a["code"] for a in body["areas"]] == ["440300", "440304", "440304001", "440304001001"]
    assert body["areas"][0] == {"code": "440300", "name": "深圳市", "level": "city"}
    assert body["officer"] == {"display_name": "王芳"}


def test_answer_carries_no_username_or_phone(api, cast, city, named_officer):
    cast.officer_a.phone = "13712345678"
    cast.officer_a.save()
    text = api.get(URL, {"lon": LON_A + 0.005, "lat": LAT_A + 0.005}).content.decode()
    assert "officer_a" not in text
    assert "13712345678" not in text


def test_a_gcj02_point_is_converted_before_routing(api, city, cast):
    gcj_lon, gcj_lat = from_wgs84(LON_A + 0.008, LAT_A + 0.005, CRS.GCJ02)
    converted = api.get(URL, {"lon": gcj_lon, "lat": gcj_lat, "crs": "gcj02"}).json()
    raw = api.get(URL, {"lon": gcj_lon, "lat": gcj_lat}).json()
    assert converted["cell"]["code"] == city.cell_a.code
    assert converted["lon"] == pytest.approx(LON_A + 0.008, abs=1e-6)
    assert raw["cell"]["code"] == city.cell_b.code


def test_a_cell_without_an_officer_answers_null(api, city):
    body = api.get(URL, {"lon": LON_A + 0.005, "lat": LAT_A + 0.005}).json()
    assert body["officer"] is None


def test_a_point_outside_the_city_is_200_with_inside_false(api, city):
    response = api.get(URL, {"lon": 116.39, "lat": 39.9}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.json() == {"inside": False, "detail": "outside the service area"}


def test_answers_follow_the_clients_language(api, city):
    """The city's default language is Chinese; Accept-Language picks English."""
    assert api.get(URL, {"lon": 116.39, "lat": 39.9}).json()["detail"] == "不在服务范围内"
    english = api.get(URL, {"lon": 116.39, "lat": 39.9}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "outside the service area"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 22.5}, "lon"),
        ({"lon": 114.0}, "lat"),
        ({"lon": "abc", "lat": 22.5}, "lon"),
        ({"lon": 114.0, "lat": "north"}, "lat"),
        ({"lon": 181, "lat": 22.5}, "lon"),
        ({"lon": 114.0, "lat": -90.5}, "lat"),
        ({"lon": "nan", "lat": 22.5}, "lon"),
        ({"lon": 114.0, "lat": 22.5, "crs": "epsg3857"}, "crs"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(api, city, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_locate_uses_a_constant_number_of_queries(api, city, cast, django_assert_max_num_queries):
    api.get(URL, {"lon": LON_A + 0.005, "lat": LAT_A + 0.005})  # builds the index
    with django_assert_max_num_queries(6):
        assert api.get(URL, {"lon": LON_A + 0.005, "lat": LAT_A + 0.005}).status_code == 200


def test_schema_documents_the_parameters_and_the_outside_answer():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=[path("api/v1/grid/", include("apps.grid.api_urls"))]).get_schema(public=True)
    operation = schema["paths"]["/api/v1/grid/locate"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"lon", "lat", "crs"}
    assert "outside the service area" in str(operation["responses"]["200"])
    assert "400" in operation["responses"]
