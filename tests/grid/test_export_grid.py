import json

import pytest
from django.core.management import CommandError, call_command

from apps.grid.coords import CRS
from apps.grid.exporter import grid_export
from apps.grid.importer import grid_import
from apps.grid.models import Area, Cell


def snapshot() -> dict:
    areas = {
        a.code: (a.parent.code if a.parent else None, a.level, a.name, a.name_en, a.path, a.geometry)
        for a in Area.objects.select_related("parent")
    }
    cells = {
        c.code: (c.area.code, c.name, c.name_en, c.path, c.geometry, round(c.area_m2))
        for c in Cell.objects.select_related("area")
    }
    return {"areas": areas, "cells": cells}


def wipe() -> None:
    Cell.objects.all().delete()
    for area in sorted(Area.objects.all(), key=lambda a: -a.path.count("/")):
        area.delete()


def test_export_has_datav_properties_and_parents_first(city):
    data = grid_export(cells=True)
    assert data["type"] == "FeatureCollection"
    codes = [f["properties"]["adcode"] for f in data["features"]]
    assert len(codes) == 7 + 3
    district = next(f for f in data["features"] if f["properties"]["adcode"] == "440304")
    assert district["properties"] == {
        "adcode": "440304",
        "name": "福田区",
        "name_en": "福田区",
        "level": "district",
        "parent": {"adcode": "440300"},
    }
    cell = next(f for f in data["features"] if f["properties"]["adcode"] == city.cell_a.code)
    assert cell["properties"]["level"] == "grid"
    assert cell["properties"]["parent"] == {"adcode": "440304001001"}
    seen = set()
    for f in data["features"]:
        parent = f["properties"]["parent"]
        assert parent is None or parent["adcode"] in seen
        seen.add(f["properties"]["adcode"])


def test_export_then_import_restores_the_grid(city, tmp_path):
    before = snapshot()
    out = tmp_path / "grid.json"
    call_command("export_grid", "--cells", "-o", str(out))
    wipe()
    assert not Area.objects.exists()
    call_command("import_grid", str(out))
    assert snapshot() == before


def test_export_in_gcj02_reimports_to_the_same_wgs84_coordinates(city):
    data = grid_export(cells=True, areas=False, crs=CRS.GCJ02)
    first = data["features"][0]["geometry"]["coordinates"][0][0]
    assert first != city.cell_a.geometry["coordinates"][0][0]  # shifted
    Cell.objects.all().delete()
    grid_import(data, crs=CRS.GCJ02)
    for lon_lat, original in zip(
        Cell.objects.get(code=city.cell_a.code).geometry["coordinates"][0],
        city.cell_a.geometry["coordinates"][0],
        strict=True,
    ):
        assert lon_lat == pytest.approx(original, abs=1e-7)


def test_level_and_area_filters(city):
    districts = grid_export(levels=["district"])
    assert {f["properties"]["adcode"] for f in districts["features"]} == {"440304", "440305"}
    subtree = grid_export(area_code="440305", cells=True)
    assert {f["properties"]["adcode"] for f in subtree["features"]} == {
        "440305",
        "440305001",
        "440305001001",
        city.cell_c.code,
    }
    cells_only = grid_export(areas=False, cells=True)
    assert {f["properties"]["level"] for f in cells_only["features"]} == {"grid"}


def test_command_writes_to_stdout_and_refuses_an_unknown_area(city, capsys):
    call_command("export_grid", "--level", "city")
    data = json.loads(capsys.readouterr().out)
    assert [f["properties"]["name"] for f in data["features"]] == ["深圳市"]
    with pytest.raises(CommandError, match="No area with code nope"):
        call_command("export_grid", "--area", "nope")


def test_export_uses_a_constant_number_of_queries(city, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        grid_export(cells=True)


def test_command_reports_a_file_it_cannot_write(city, tmp_path):
    with pytest.raises(CommandError, match="missing"):
        call_command("export_grid", "-o", str(tmp_path / "missing" / "grid.json"))
