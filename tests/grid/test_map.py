import re

import pytest

from apps.grid import services
from apps.grid.choices import AssignmentKind
from tests.factories import make_cell

BBOX_A = "113.995,22.495,114.005,22.505"  # around cell A only


def test_map_page_needs_a_staff_login(client, cast):
    assert client.get("/grid/").status_code == 302
    client.force_login(cast.resident)
    assert client.get("/grid/").status_code == 403
    client.force_login(cast.dispatcher)
    page = client.get("/grid/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/leaflet/leaflet.js" in html
    # every script and stylesheet is served by gridops itself (the machines have no internet)
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets


def test_cells_endpoint_returns_only_cells_in_the_bbox(client, cast, city):
    client.force_login(cast.dispatcher)
    data = client.get("/grid/cells.geojson", {"bbox": BBOX_A}).json()
    codes = [f["properties"]["code"] for f in data["features"]]
    assert city.cell_a.code in codes and city.cell_c.code not in codes
    props = next(f["properties"] for f in data["features"] if f["properties"]["code"] == city.cell_a.code)
    assert props["officer"] == cast.officer_a.display_name
    assert props["area_path"][-1] == city.community_d.label
    body = str(data)
    assert "phone" not in body


@pytest.mark.parametrize(
    "bbox",
    [None, "1,2,3", "a,b,c,d", "114.1,22.5,114.0,22.6", "200,0,201,1"],
    ids=["missing", "three", "text", "swapped", "range"],
)
def test_bad_bbox_is_a_400_naming_the_parameter(client, cast, bbox):
    client.force_login(cast.dispatcher)
    answer = client.get("/grid/cells.geojson", {"bbox": bbox} if bbox else {})
    assert answer.status_code == 400
    assert "bbox" in answer.json()


def test_cells_endpoint_runs_a_constant_number_of_queries(client, cast, city, django_assert_max_num_queries):
    client.force_login(cast.dispatcher)
    whole = "113.8,22.4,114.2,22.6"
    with django_assert_max_num_queries(6):
        few = client.get("/grid/cells.geojson", {"bbox": whole}).json()
    for i in range(30):
        cell = make_cell(f"440304001001{100 + i}", city.community_d, 114.02 + 0.001 * i, 22.52, size=0.001)
        services.assignment_create(cell=cell, officer=cast.officer_b)
        services.assignment_create(cell=cell, officer=cast.officer_a, kind=AssignmentKind.BACKUP)
    with django_assert_max_num_queries(6):
        many = client.get("/grid/cells.geojson", {"bbox": whole}).json()
    assert len(many["features"]) == len(few["features"]) + 30


def test_the_backup_is_shown_while_the_primary_is_on_leave(client, cast, city):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    services.assignment_create(
        cell=city.cell_a, officer=cast.officer_b, kind=AssignmentKind.BACKUP, valid_from=now - timedelta(days=1)
    )
    services.leave_create(officer=cast.officer_a, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1))
    client.force_login(cast.dispatcher)
    data = client.get("/grid/cells.geojson", {"bbox": BBOX_A}).json()
    props = next(f["properties"] for f in data["features"] if f["properties"]["code"] == city.cell_a.code)
    assert props["officer"] == cast.officer_b.display_name


def test_districts_endpoint(client, cast, city):
    client.force_login(cast.supervisor_d)
    data = client.get("/grid/areas.geojson", {"level": "district"}).json()
    assert {f["properties"]["code"] for f in data["features"]} == {"440304", "440305"}
    assert client.get("/grid/areas.geojson", {"level": "planet"}).status_code == 400


@pytest.mark.parametrize("bbox", ["nan,22.4,114.2,22.6", "113.8,22.4,inf,22.6", "-inf,-90,inf,90"])
def test_a_bbox_that_is_not_finite_is_refused_as_not_numbers(client, cast, bbox):
    """NaN and infinity are not numbers a map can draw; "out of range or swapped" was the wrong reason."""
    client.force_login(cast.dispatcher)
    not_numbers = client.get("/grid/cells.geojson", {"bbox": "a,b,c,d"}).json()["bbox"]
    answer = client.get("/grid/cells.geojson", {"bbox": bbox})
    assert answer.status_code == 400
    assert answer.json()["bbox"] == not_numbers


def test_cells_query_leaves_the_areas_boundaries_in_the_database(client, cast, city):
    """The area path needs names only: each cell row carried its community's, subdistrict's and
    district's whole boundary (three JSON parses per cell, 9,000 on a full answer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/grid/cells.geojson", {"bbox": BBOX_A}).status_code == 200
    cell_sql = next(q["sql"] for q in ctx.captured_queries if '"grid_cell"."min_lon"' in q["sql"])
    assert cell_sql.count('"geometry"') == 1, cell_sql


def test_coordinates_are_sent_with_six_decimals_and_names_unescaped(client, cast, city):
    """Grids imported from GCJ-02 maps are stored with full float precision (15+ decimals); the
    map needs 0.1 m at most. Chinese names went out as \\u escapes, twice their UTF-8 size."""
    from apps.grid.choices import AreaLevel
    from tests.factories import make_area

    def fine(lon, lat, size=0.01):
        ring = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size), (lon, lat)]
        return {"type": "Polygon", "coordinates": [[[x + 1.234567891234e-9, y + 9.87654321e-10] for x, y in ring]]}

    services.cell_create(code="440304001001077", name="细网格", area=city.community_d, geometry=fine(114.0, 22.51))
    make_area("440306", AreaLevel.DISTRICT, city.city, fine(113.70, 22.45, 0.1), "宝安区")
    client.force_login(cast.dispatcher)
    for url, params in (
        ("/grid/cells.geojson", {"bbox": "113.99,22.49,114.02,22.53"}),
        ("/grid/areas.geojson", {"level": "district"}),
    ):
        body = client.get(url, params).content.decode()
        assert not re.search(r"\d\.\d{7,}", body), body[:300]
        assert "\\u" not in body
    cells = client.get("/grid/cells.geojson", {"bbox": "113.99,22.49,114.02,22.53"}).json()
    fine_cell = next(f for f in cells["features"] if f["properties"]["code"] == "440304001001077")
    assert fine_cell["geometry"]["coordinates"][0][0] == [114.0, 22.51]
    assert fine_cell["properties"]["name"] == "细网格"


def test_a_truncated_answer_keeps_the_cells_nearest_the_middle_of_the_view(client, cast, city, monkeypatch):
    """Cut by code, a large screen got whole districts with no cells in the middle of the view,
    looking like a city without a grid there."""
    from apps.grid import views

    monkeypatch.setattr(views, "MAX_CELLS", 1)
    client.force_login(cast.dispatcher)
    # centred on cell C (113.905, 22.505); cells A and B (lower codes) lie in the view's east edge
    data = client.get("/grid/cells.geojson", {"bbox": "113.80,22.45,114.01,22.56"}).json()
    assert data["truncated"] is True
    assert [f["properties"]["code"] for f in data["features"]] == [city.cell_c.code]


def test_cells_and_areas_run_the_same_queries_for_a_bigger_city(client, cast, city, django_assert_max_num_queries):
    """Cells across districts, subdistricts and communities, with backups and an officer on leave."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from apps.grid.choices import AreaLevel
    from tests.factories import make_area, make_user

    whole = "113.0,22.0,115.0,23.0"
    client.force_login(cast.dispatcher)

    def counts():
        with CaptureQueriesContext(connection) as cells_ctx:
            cells = client.get("/grid/cells.geojson", {"bbox": whole}).json()
        with CaptureQueriesContext(connection) as areas_ctx:
            client.get("/grid/areas.geojson", {"level": "community"})
        return len(cells["features"]), len(cells_ctx), len(areas_ctx)

    few_cells, few_cell_queries, few_area_queries = counts()
    now = timezone.now()
    for d in range(3):
        district = make_area(f"44039{d}", AreaLevel.DISTRICT, city.city)
        for s in range(2):
            sub = make_area(f"44039{d}00{s}", AreaLevel.SUBDISTRICT, district)
            community = make_area(f"44039{d}00{s}001", AreaLevel.COMMUNITY, sub)
            for c in range(4):
                cell = make_cell(f"44039{d}00{s}001{c:03d}", community, 114.1 + 0.01 * c, 22.6 + 0.01 * (2 * d + s))
                services.assignment_create(cell=cell, officer=make_user("officer"))
                services.assignment_create(
                    cell=cell, officer=make_user("officer"), kind=AssignmentKind.BACKUP, valid_from=now
                )
    services.leave_create(officer=cast.officer_a, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    many_cells, many_cell_queries, many_area_queries = counts()
    assert many_cells == few_cells + 24
    assert (many_cell_queries, many_area_queries) == (few_cell_queries, few_area_queries)
    with django_assert_max_num_queries(5):
        client.get("/grid/cells.geojson", {"bbox": whole})


def test_map_page_has_the_base_map_note_and_a_key_for_cells_without_an_officer(client, cast):
    """gridmap.js reveals #map-tiles-note when a tile fails (the tile server may be out of reach)."""
    client.force_login(cast.dispatcher)
    html = client.get("/grid/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    note = re.search(r'<[^>]+id="map-tiles-note"[^>]*\bhidden\b[^>]*>([^<]+)<', html)
    assert note and "底图" in note.group(1)
    assert 'class="map-key"' in html and "无网格员" in html


@pytest.mark.parametrize(
    ("url", "params"),
    [("/grid/cells.geojson", {"bbox": BBOX_A}), ("/grid/areas.geojson", {"level": "district"})],
    ids=["cells", "areas"],
)
def test_the_maps_json_answers_401_with_a_message_when_not_signed_in(client, cast, url, params):
    """A redirect to the HTML sign-in page is nothing the map's script can read: after a session
    ended, the map broke without saying why."""
    answer = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"detail": "You are not signed in or your session has ended. Sign in again."}
    client.force_login(cast.resident)  # signed in but no staff: refused as before
    assert client.get(url, params).status_code == 403
    client.force_login(cast.dispatcher)
    assert client.get(url, params).status_code == 200


def test_the_map_page_redirects_to_sign_in_and_gives_the_map_its_way_back(client, cast):
    answer = client.get("/grid/")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/?next=/grid/"
    client.force_login(cast.dispatcher)
    html = client.get("/grid/").content.decode()
    # where gridmap.js sends the user once the session has ended: the same way back as above
    assert 'data-login-url="/accounts/login/?next=/grid/"' in html


def test_map_page_has_a_note_for_district_boundaries_that_cannot_load(client, cast):
    """gridmap.js reveals #map-areas-note when the district boundaries fail to load."""
    client.force_login(cast.dispatcher)
    html = client.get("/grid/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    note = re.search(r'<[^>]+id="map-areas-note"[^>]*\bhidden\b[^>]*>([^<]+)<', html)
    assert note and note.group(1) == "The district boundaries could not be loaded."
