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
