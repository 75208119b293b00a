import copy
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.grid import locator
from apps.grid.coords import CRS, from_wgs84
from apps.grid.exporter import grid_export
from apps.grid.importer import GridImportError, grid_import, grid_import_file
from apps.grid.models import Area, Cell, GridRevision

DATA = Path(__file__).parent / "data"
CELL_OPTIONS = [
    "--as",
    "cells",
    "--code-field",
    "grid_code",
    "--name-field",
    "grid_name",
    "--name-en-field",
    "grid_name_en",
    "--parent-field",
    "community_code",
]


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def square(lon, lat, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def feature(code, *, parent=None, level="community", geometry=None, name=None):
    return {
        "type": "Feature",
        "properties": {
            "adcode": code,
            "name": name or code,
            "level": level,
            "parent": {"adcode": parent} if parent else None,
        },
        "geometry": geometry if geometry is not None else square(114.0, 22.5),
    }


def revision() -> int:
    row = GridRevision.objects.filter(pk=1).first()
    return row.revision if row else 0


@pytest.fixture
def datav_city(db):
    call_command("import_grid", str(DATA / "datav_city.json"))


def test_datav_file_builds_the_area_tree(datav_city):
    areas = {a.code: a for a in Area.objects.select_related("parent")}
    assert set(areas) == {"440300", "440304", "440305", "440304001", "440304001001"}
    assert areas["440300"].parent is None  # the province is not part of the grid
    assert areas["440300"].level == "city"
    assert areas["440304001"].level == "subdistrict"  # DataV "street"
    assert areas["440304001"].parent.code == "440304"  # a plain parent code works too
    assert areas["440304001001"].path == "440300/440304/440304001/440304001001/"
    assert areas["440304001"].name_en == "Yuanling Subdistrict"
    assert (areas["440304"].min_lon, areas["440304"].max_lat) == (113.95, 22.60)
    assert areas["440300"].geometry["type"] == "MultiPolygon"


def test_plain_file_with_named_properties_imports_cells(datav_city):
    before = revision()
    call_command("import_grid", str(DATA / "plain_cells.json"), *CELL_OPTIONS)
    cells = {c.code: c for c in Cell.objects.select_related("area")}
    assert set(cells) == {"440304001001001", "440304001001002", "440304001001003"}
    one = cells["440304001001001"]
    assert one.area.code == "440304001001"
    assert one.path == "440300/440304/440304001/440304001001/440304001001001/"
    assert one.name == "红荔社区第1网格" and one.name_en == "Hongli grid 1"
    assert one.area_m2 == pytest.approx(1_113_195 * 1_028_000 / 1_000_000, rel=0.01)  # 0.01° x 0.01° at 22.5°N
    assert revision() == before + 1  # one bump for the whole file


def test_imported_cells_are_routed_to_including_their_holes(datav_city, settings):
    settings.GRIDOPS_LOCATOR_CHECK_SECONDS = 0
    call_command("import_grid", str(DATA / "plain_cells.json"), *CELL_OPTIONS)
    assert locator.locate(114.001, 22.515).cell_code == "440304001001003"
    assert locator.locate(114.0065, 22.5145) is None  # in the hole of cell 003
    locator.locator_invalidate()


def test_parent_option_attaches_top_features_under_an_existing_area(datav_city):
    def plain(code, up=None):
        return {
            "type": "Feature",
            "properties": {"code": code, "title": f"{code}街道", "up": up},
            "geometry": square(113.9, 22.5),
        }

    options = {"code_field": "code", "name_field": "title", "parent_field": "up", "level": "subdistrict"}
    report = grid_import(
        {"type": "FeatureCollection", "features": [plain("S1"), plain("S2")]}, parent="440305", **options
    )
    assert report.areas_created == 2
    s1 = Area.objects.get(code="S1")
    assert s1.parent.code == "440305" and s1.level == "subdistrict"
    assert s1.path == "440300/440305/S1/"
    # the default level applies to every feature without one: a subdistrict cannot sit below S1
    with pytest.raises(GridImportError, match=r"features\[0\] \(code S3\): a subdistrict cannot be under"):
        grid_import({"type": "FeatureCollection", "features": [plain("S3", up="S1")]}, **options)
    with pytest.raises(GridImportError, match="given with --parent does not exist"):
        grid_import({"type": "FeatureCollection", "features": [plain("S4")]}, parent="nope", **options)


def test_crs_option_converts_every_coordinate_to_wgs84(datav_city):
    wgs = square(114.03, 22.53)
    gcj = copy.deepcopy(wgs)
    gcj["coordinates"] = [[list(from_wgs84(lon, lat, CRS.GCJ02)) for lon, lat in wgs["coordinates"][0]]]
    grid_import(
        {"type": "FeatureCollection", "features": [feature("G1", parent="440304001", level="grid", geometry=gcj)]},
        crs="gcj02",
    )
    stored = Cell.objects.get(code="G1").geometry["coordinates"][0]
    for (lon, lat), (want_lon, want_lat) in zip(stored, wgs["coordinates"][0], strict=True):
        assert lon == pytest.approx(want_lon, abs=1e-7) and lat == pytest.approx(want_lat, abs=1e-7)


def test_one_bad_feature_leaves_the_database_unchanged_and_is_named(datav_city, tmp_path):
    data = load("plain_cells.json")
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[114.0, 22.5], [114.01, 22.51], [114.01, 22.5], [114.0, 22.51], [114.0, 22.5]]],
    }
    data["features"][2]["geometry"] = bowtie
    before_cells, before_revision = Cell.objects.count(), revision()
    with pytest.raises(CommandError) as err:
        call_command("import_grid", write(tmp_path, data), *CELL_OPTIONS)
    message = str(err.value)
    assert "features[2] (code 440304001001003)" in message
    assert "Self-intersection" in message
    assert "nothing imported" in message
    assert Cell.objects.count() == before_cells
    assert revision() == before_revision


def test_a_failing_write_rolls_back_everything(datav_city, monkeypatch):
    from apps.grid import importer

    def broken_bump():
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer, "grid_revision_bump", broken_bump)
    with pytest.raises(RuntimeError):
        grid_import_file(
            DATA / "plain_cells.json",
            as_cells=True,
            code_field="grid_code",
            name_field="grid_name",
            parent_field="community_code",
        )
    assert not Cell.objects.exists()


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        ([feature("A1", parent="999999")], r"features\[0\] \(code A1\): unknown parent 999999"),
        (
            [feature("A1", parent="440304001"), feature("A1", parent="440304001")],
            r"features\[1\] \(code A1\): duplicate code",
        ),
        ([feature("440304001001", parent="440304001")], r"features\[0\] \(code 440304001001\): an area with this code"),
        (
            [feature("A1", parent="440304001", geometry={"type": "Point", "coordinates": [114, 22.5]})],
            r"Polygon or MultiPolygon, not Point",
        ),
        ([feature("A1", parent="440304001", geometry=square(22.5, 114.0))], r"looks like \[latitude, longitude\]"),
        ([feature("A1", parent="440304001", geometry=square(200.0, 22.5))], r"out of range"),
        (
            [
                feature(
                    "A1",
                    parent="440304001",
                    geometry={"type": "Polygon", "coordinates": [[[114, 22.5], [114.1, 22.5]]]},
                )
            ],
            r"features\[0\] \(code A1\): ring coordinates\[0\] is not closed",
        ),
        ([feature("A1", parent="440304001", level="province")], r"level province is not part of the grid"),
        ([feature("A1", parent="440304001", level="")], r"unknown or missing level"),
        ([feature("G9", parent=None, level="grid")], r"features\[0\] \(code G9\): a cell needs an existing parent"),
        (
            [feature("G9", parent="440304001", level="grid", geometry=None) | {"geometry": None}],
            r"a cell needs a geometry",
        ),
        ([feature("D9", parent="440304001001", level="district")], r"a district cannot be under the community"),
        ([{"type": "Feature", "properties": {"name": "x"}, "geometry": square(114, 22.5)}], r"features\[0\].*no code"),
    ],
)
def test_invalid_features_are_refused_with_the_reason(datav_city, features, expected):
    with pytest.raises(GridImportError, match=expected):
        grid_import({"type": "FeatureCollection", "features": features})
    assert not Area.objects.filter(code__in=["A1", "D9"]).exists()


def test_every_problem_is_reported_at_once(datav_city):
    features = [feature("A1", parent="nope"), feature("A2", parent="440304001", level="x")]
    with pytest.raises(GridImportError) as err:
        grid_import({"type": "FeatureCollection", "features": features})
    assert len(err.value.errors) == 2


def test_not_a_feature_collection_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("import_grid", write(tmp_path, {"type": "Feature"}))
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("import_grid", str(tmp_path / "broken.json"))


def test_update_changes_existing_areas_and_cells(datav_city):
    call_command("import_grid", str(DATA / "plain_cells.json"), *CELL_OPTIONS)
    data = load("plain_cells.json")
    data["features"][0]["properties"]["grid_name"] = "改名网格"
    data["features"][0]["geometry"] = square(114.0, 22.50, 0.005)
    with pytest.raises(GridImportError, match="already exists"):
        grid_import(data, as_cells=True, code_field="grid_code", name_field="grid_name", parent_field="community_code")
    report = grid_import(
        data, as_cells=True, code_field="grid_code", name_field="grid_name", parent_field="community_code", update=True
    )
    assert report.cells_updated == 3 and report.cells_created == 0
    cell = Cell.objects.get(code="440304001001001")
    assert cell.name == "改名网格"
    assert cell.max_lon == pytest.approx(114.005)


def test_update_refuses_to_move_an_area(datav_city):
    with pytest.raises(GridImportError, match="moving an existing area"):
        grid_import(
            {"type": "FeatureCollection", "features": [feature("440304001", parent="440305", level="street")]},
            update=True,
        )


def test_import_writes_in_bulk(datav_city, django_assert_max_num_queries):
    features = [
        feature(
            f"G{i:03d}",
            parent="440304001001",
            level="grid",
            geometry=square(114.0 + i % 20 * 0.001, 22.5 + i // 20 * 0.001, 0.001),  # inside the community
        )
        for i in range(200)
    ]
    with django_assert_max_num_queries(12):
        grid_import({"type": "FeatureCollection", "features": features})
    assert Cell.objects.count() == 200


def test_a_feature_without_a_parent_becomes_a_top_level_area(db):
    grid_import({"type": "FeatureCollection", "features": [feature("440400", level="city", name="珠海市")]})
    area = Area.objects.get(code="440400")
    assert area.parent is None and area.path == "440400/"


# -- hostile and sloppy files ---------------------------------------------------------------------


def cell_feature(code, geometry, parent="440304001001", **properties):
    return {
        "type": "Feature",
        "properties": {"adcode": code, "name": code, "level": "grid", "parent": {"adcode": parent}, **properties},
        "geometry": geometry,
    }


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def ring(*positions):
    return {"type": "Polygon", "coordinates": [list(positions)]}


@pytest.mark.parametrize("properties", [["adcode", "C1"], "adcode=C1", 7])
def test_properties_that_are_not_an_object_are_refused_naming_the_feature(datav_city, tmp_path, properties):
    data = collection({"type": "Feature", "properties": properties, "geometry": square(114.0, 22.5)})
    with pytest.raises(CommandError, match=r"features\[0\] \(code \?\): .*properties"):
        call_command("import_grid", write(tmp_path, data))


@pytest.mark.parametrize(
    ("properties", "field"),
    [({"adcode": ["C1", "C2"]}, "adcode"), ({"name": {"zh": "网格"}}, "name"), ({"level": True}, "level")],
)
def test_a_property_that_is_not_a_text_or_a_number_is_refused(datav_city, properties, field):
    data = collection(cell_feature("C1", square(114.0, 22.5)))
    data["features"][0]["properties"].update(properties)
    with pytest.raises(GridImportError, match=rf"features\[0\].*property {field}"):
        grid_import(data)
    assert not Cell.objects.exists()


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (  # a Polygon whose coordinates are one ring, not a list of rings
            {"type": "Polygon", "coordinates": [[114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.5]]},
            r"a Polygon's coordinates must be a list of rings",
        ),
        (  # a MultiPolygon whose coordinates are a Polygon's
            {"type": "MultiPolygon", "coordinates": square(114.0, 22.5)["coordinates"]},
            r"a MultiPolygon's coordinates must be a list of polygons",
        ),
        (
            ring([114.0, 22.5], [], [114.01, 22.5], [114.01, 22.51], [114.0, 22.5]),
            r"coordinate \[\] is not a pair of numbers",
        ),
        (
            ring([True, False], [114.01, 22.5], [114.01, 22.51], [True, False]),
            r"coordinate \[true, false\] is not a pair",
        ),
    ],
)
def test_coordinates_nested_or_typed_wrongly_are_refused_with_a_clear_reason(datav_city, geometry, expected):
    with pytest.raises(GridImportError, match=rf"features\[0\] \(code C1\): {expected}"):
        grid_import(collection(cell_feature("C1", geometry)))
    assert not Cell.objects.exists()


@pytest.mark.parametrize(
    "geometry",
    [
        ring([114.0, 22.5], [114.01, 22.5], [114.01, 22.51], [114.0, 22.51]),  # a square without its last corner
        ring([114.0, 22.5], [114.01, 22.5], [114.01, 22.51]),
        {
            "type": "MultiPolygon",
            "coordinates": [square(114.0, 22.5)["coordinates"], [[[114.02, 22.5], [114.03, 22.5], [114.03, 22.51]]]],
        },
    ],
)
def test_an_unclosed_ring_is_refused(datav_city, geometry):
    with pytest.raises(GridImportError, match=r"features\[0\] \(code C1\): ring coordinates\[.*is not closed"):
        grid_import(collection(cell_feature("C1", geometry)))
    assert not Cell.objects.exists()


def test_a_ring_with_too_few_positions_is_refused(datav_city):
    geometry = ring([114.0, 22.5], [114.01, 22.5], [114.0, 22.5])
    with pytest.raises(GridImportError, match=r"ring coordinates\[0\] has 3 positions; a ring needs at least 4"):
        grid_import(collection(cell_feature("C1", geometry)))


@pytest.mark.parametrize("code", ["440300/999", "440304001001/X"])
def test_a_code_with_a_slash_is_refused(datav_city, code):
    # "/" separates the codes of an area's path: "440300/999/" would sit inside 440300's subtree.
    features = [feature(code, level="city"), cell_feature(code, square(114.0, 22.5))]
    with pytest.raises(GridImportError) as err:
        grid_import(collection(*features))
    assert len(err.value.errors) == 2
    assert all("/" in e and "path" in e for e in err.value.errors)
    assert not Area.objects.filter(code=code).exists()


def test_a_cell_outside_its_parent_area_is_refused(datav_city):
    # community 440304001001 covers 114.00-114.02 E, 22.50-22.52 N
    inside = cell_feature("C1", square(114.0, 22.5))
    outside = cell_feature("C2", square(113.5, 22.0))
    mostly_outside = cell_feature("C3", square(114.015, 22.5))  # three quarters east of the community
    with pytest.raises(GridImportError) as err:
        grid_import(collection(inside, outside, mostly_outside))
    assert [e.split(":")[0] for e in err.value.errors] == ["features[1] (code C2)", "features[2] (code C3)"]
    assert "outside its parent area 440304001001" in err.value.errors[0]
    assert not Cell.objects.exists()


def test_a_cell_in_a_parent_of_the_file_or_without_a_boundary_is_checked_against_what_is_known(datav_city):
    community = feature("440304001002", parent="440304001", geometry=square(114.03, 22.53, 0.01))
    no_boundary = feature("440304001003", parent="440304001") | {"geometry": None}
    cells = [
        cell_feature("C1", square(114.031, 22.531, 0.002), parent="440304001002"),
        cell_feature("C2", square(113.0, 22.0), parent="440304001003"),  # nothing to check against
    ]
    grid_import(collection(community, no_boundary, *cells))
    assert Cell.objects.count() == 2
    with pytest.raises(GridImportError, match=r"features\[0\] \(code C3\): .*outside its parent area 440304001002"):
        grid_import(collection(cell_feature("C3", square(114.0, 22.5), parent="440304001002")))


def test_update_refuses_a_level_that_would_no_longer_sit_above_existing_children(datav_city):
    # 440304001 has the community 440304001001 below it in the database
    with pytest.raises(GridImportError, match=r"features\[0\] \(code 440304001\): .*440304001001"):
        grid_import(collection(feature("440304001", parent="440304", level="community")), update=True)
    assert Area.objects.get(code="440304001").level == "subdistrict"
    with pytest.raises(GridImportError, match=r"features\[0\] \(code 440304\): .*440304001"):
        grid_import(collection(feature("440304", parent="440300", level="community")), update=True)
    # an area without children below may change level
    report = grid_import(collection(feature("440305", parent="440300", level="subdistrict")), update=True)
    assert report.areas_updated == 1 and Area.objects.get(code="440305").level == "subdistrict"


def test_reimporting_an_unchanged_file_with_update_writes_nothing(datav_city, django_assert_max_num_queries):
    features = [
        feature(f"G{i:03d}", parent="440304001001", level="grid", geometry=square(114.0 + i * 0.0001, 22.5, 0.0001))
        for i in range(200)
    ]
    grid_import(collection(*features))
    before = revision()
    with django_assert_max_num_queries(6) as queries:
        report = grid_import(collection(*features), update=True)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert (report.cells_created, report.cells_updated) == (0, 0)
    assert revision() == before  # no index rebuild in every process for a file that changes nothing
    features[5]["properties"]["name"] = "改名"
    with django_assert_max_num_queries(10) as queries:
        report = grid_import(collection(*features), update=True)
    assert report.cells_updated == 1 and Cell.objects.get(code="G005").name == "改名"
    assert revision() == before + 1
    (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "grid_cell"')]
    assert '"name"' in update and '"geometry"' not in update  # only the columns that changed


def test_a_long_list_of_problems_ends_with_a_translated_count(datav_city):
    from django.utils import translation

    features = [feature(f"A{i}", parent="nope") for i in range(60)]
    with translation.override("zh-hans"), pytest.raises(GridImportError) as err:
        grid_import(collection(*features))
    last = str(err.value).splitlines()[-1]
    assert "10" in last and "more" not in last


def test_generated_cells_export_and_reimport_under_the_same_areas(city):
    """The cells `generator` gives to a community (by their point_on_surface) or, outside every
    community, to the subdistrict itself pass the importer's inside-the-parent check."""
    from apps.grid.generator import cells_generate
    from tests import factories

    sub = city.subdistrict_d
    sub.geometry = factories.square(114.0, 22.5, 0.02)
    sub.save()
    city.community_d.geometry = {  # a triangle: its long edge cuts squares anywhere
        "type": "Polygon",
        "coordinates": [[[114.0, 22.5], [114.0193, 22.5], [114.0, 22.5171], [114.0, 22.5]]],
    }
    city.community_d.save()
    Cell.objects.filter(area=city.community_d).delete()
    cells_generate(area=sub, size_m=300, min_fraction=0)
    before = {c.code: c.area_id for c in Cell.objects.filter(path__startswith=sub.path)}
    assert {city.community_d.pk, sub.pk} == set(before.values())
    data = grid_export(areas=False, cells=True, area_code=sub.code)
    Cell.objects.filter(path__startswith=sub.path).delete()
    grid_import(data)
    assert {c.code: c.area_id for c in Cell.objects.filter(path__startswith=sub.path)} == before
