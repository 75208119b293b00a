"""Hotline intake and the officer's patrol report."""

import pytest
from django.urls import reverse

from apps.cases.choices import CaseState, Channel, PhotoKind
from apps.cases.models import Case
from tests.conftest import LAT_A, LAT_C, LON_A, LON_C

from .helpers import png


def hotline_post(client, cats, **overrides):
    data = {
        "reporter_name": "李奶奶",
        "reporter_phone": "13611112222",
        "category": cats["garbage"].pk,
        "description": "楼下垃圾三天没人收",
        "address": "",
        "crs": "wgs84",
        "lon": LON_A + 0.003,
        "lat": LAT_A + 0.003,
        **overrides,
    }
    return client.post(
        reverse("workbench:hotline_intake"), {k: v for k, v in data.items() if v is not None}, follow=True
    )


def test_hotline_operator_enters_a_call_and_reads_back_the_code(client_as, cast, cats, city):
    response = hotline_post(client_as(cast.hotline), cats)
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == Channel.HOTLINE and case.created_by == cast.hotline
    assert case.reporter_name == "李奶奶" and case.cell == city.cell_a
    html = response.content.decode()
    assert case.tracking_code in html and 'class="tracking-code"' in html
    # The code is shown after a redirect: reloading the page does not enter the call again.
    assert response.redirect_chain == [(reverse("workbench:intake_done", args=[case.pk]), 302)]
    assert client_as(cast.hotline).get(response.redirect_chain[0][0]).status_code == 200
    assert Case.objects.count() == 1


def test_hotline_form_groups_categories_by_top_level_class(client_as, cast, cats):
    html = client_as(cast.hotline).get(reverse("workbench:hotline_intake")).content.decode()
    assert '<optgroup label="市容环境">' in html or '<optgroup label="City appearance">' in html
    assert "暴露垃圾" in html or "Exposed garbage" in html


def test_hotline_accepts_gcj02_coordinates(client_as, cast, cats, city):
    # A point a few hundred metres inside cell A in WGS84, as a Chinese map app would show it.
    from apps.grid.coords import from_wgs84

    lon, lat = from_wgs84(LON_A + 0.005, LAT_A + 0.005, "gcj02")
    hotline_post(client_as(cast.hotline), cats, crs="gcj02", lon=lon, lat=lat)
    case = Case.objects.get()
    assert abs(case.lon - (LON_A + 0.005)) < 1e-5 and case.cell == city.cell_a


def test_hotline_address_only_is_located_by_name(client_as, cast, cats, city):
    response = hotline_post(client_as(cast.hotline), cats, lon=None, lat=None, address="园岭街道红荔社区")
    assert response.status_code == 200
    assert Case.objects.get().area == city.community_d


def test_hotline_without_a_place_is_refused_next_to_the_address(client_as, cast, cats):
    response = hotline_post(client_as(cast.hotline), cats, lon=None, lat=None, address="")
    assert response.status_code == 400
    assert response.context["form"].errors["address"]
    assert Case.objects.count() == 0


def test_hotline_point_outside_the_city_is_refused(client_as, cast, cats):
    response = hotline_post(client_as(cast.hotline), cats, lon=116.40, lat=39.90)
    assert response.status_code == 400
    assert "outside" in response.content.decode() or response.context["form"].errors
    assert Case.objects.count() == 0


def test_hotline_empty_description_is_refused(client_as, cast, cats):
    response = hotline_post(client_as(cast.hotline), cats, description="")
    assert response.status_code == 400 and "description" in response.context["form"].errors
    assert Case.objects.count() == 0


def patrol_post(client, cats, **overrides):
    data = {
        "category": cats["garbage"].pk,
        "description": "绿化带有垃圾",
        "crs": "wgs84",
        "lon": LON_A + 0.002,
        "lat": LAT_A + 0.002,
        **overrides,
    }
    return client.post(reverse("workbench:patrol_report"), data, follow=True)


def test_officer_reports_from_patrol(client_as, cast, cats):
    response = patrol_post(client_as(cast.officer_a), cats)
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == Channel.PATROL and case.state == CaseState.REPORTED
    assert case.tracking_code in response.content.decode()


def test_officer_handles_on_the_spot(client_as, cast, cats):
    patrol_post(
        client_as(cast.officer_a),
        cats,
        self_handle="on",
        handle_note="已捡拾干净",
        after_photos=[png("after.png")],
        photos=[png("before.png")],
    )
    case = Case.objects.get()
    assert case.state == CaseState.RESOLVED
    assert case.photos.filter(kind=PhotoKind.AFTER).count() == 1
    assert case.photos.filter(kind=PhotoKind.BEFORE).count() == 1
    assert case.events.filter(action="self_handle").count() == 1


def test_handling_on_the_spot_needs_a_photo_of_the_result(client_as, cast, cats):
    response = patrol_post(client_as(cast.officer_a), cats, self_handle="on", handle_note="已处理")
    assert response.status_code == 400 and "after_photos" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_handling_on_the_spot_outside_ones_cells_saves_nothing(client_as, cast, cats):
    # Officer A may report in cell C, but handling it there is refused: neither step is kept.
    response = patrol_post(
        client_as(cast.officer_a),
        cats,
        lon=LON_C + 0.004,
        lat=LAT_C + 0.004,
        self_handle="on",
        handle_note="已处理",
        after_photos=[png()],
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_a_renamed_text_file_is_refused_as_a_photo(client_as, cast, cats):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
    response = hotline_post(client_as(cast.hotline), cats, photos=[fake])
    assert response.status_code == 400 and "photos" in response.context["form"].errors
    assert Case.objects.count() == 0


def test_the_saved_report_page_shows_only_cases_the_user_may_see(client_as, cast, cats):
    hotline_post(client_as(cast.hotline), cats)
    case = Case.objects.get()
    assert client_as(cast.officer_b).get(reverse("workbench:intake_done", args=[case.pk])).status_code == 404


def test_handling_on_the_spot_outside_ones_cells_is_refused_on_that_checkbox(client_as, cast, cats):
    response = patrol_post(
        client_as(cast.officer_b), cats, self_handle="on", handle_note="已处理", after_photos=[png("after.png")]
    )
    assert response.status_code == 400
    assert response.context["form"].errors["self_handle"]
    assert Case.objects.count() == 0


# --- where is it: coordinates, else the community, else an address the grid knows -----------------

STREET = "深南大道6008号"  # a street address: the grid knows areas and cells by name and code, not streets


def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_hotline_form_offers_the_communities_grouped_by_district_and_subdistrict(client_as, cast, cats, city):
    response = client_as(cast.hotline).get(reverse("workbench:hotline_intake"))
    field = response.context["form"].fields["community"]
    groups = dict(field.choices[1:])
    assert set(groups) == {"福田区 · 园岭街道", "南山区 · 南头街道"}
    offered = {value for options in groups.values() for value, _label in options}
    assert offered == {str(city.community_d.pk), str(city.community_e.pk)}
    assert 'name="community"' in response.content.decode()


def test_hotline_street_address_is_placed_by_the_chosen_community(client_as, cast, cats, city):
    response = hotline_post(
        client_as(cast.hotline), cats, lon=None, lat=None, address=STREET, community=city.community_e.pk
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.cell == city.cell_c and case.area == city.community_e
    assert case.responsible_officer == cast.officer_c


def test_hotline_address_is_kept_behind_the_community_name(client_as, cast, cats, city):
    hotline_post(client_as(cast.hotline), cats, lon=None, lat=None, address=STREET, community=city.community_e.pk)
    assert Case.objects.get().address == f"前海社区 {STREET}"  # the handler reads which community the street is in


def test_hotline_community_name_is_not_repeated_in_the_address(client_as, cast, cats, city):
    hotline_post(
        client_as(cast.hotline), cats, lon=None, lat=None, address=f"前海社区{STREET}", community=city.community_e.pk
    )
    assert Case.objects.get().address == f"前海社区{STREET}"


def test_hotline_community_alone_is_enough(client_as, cast, cats, city):
    hotline_post(client_as(cast.hotline), cats, lon=None, lat=None, community=city.community_e.pk)
    case = Case.objects.get()
    assert case.cell == city.cell_c and case.address == "前海社区"


def test_typed_coordinates_win_over_the_community(client_as, cast, cats, city):
    # Coordinates in cell A (community 红荔), community 前海 chosen: the coordinates place it, and the
    # address is not labelled with a community the report is not in.
    response = hotline_post(client_as(cast.hotline), cats, address=STREET, community=city.community_e.pk)
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.cell == city.cell_a and case.area == city.community_d
    assert case.address == STREET


def test_the_community_wins_over_a_grid_name_in_the_address(client_as, cast, cats, city):
    # The caller names 红荔社区 as a landmark, but the operator chose 前海社区: the choice places it.
    hotline_post(
        client_as(cast.hotline), cats, lon=None, lat=None, address="红荔社区对面", community=city.community_e.pk
    )
    case = Case.objects.get()
    assert case.area == city.community_e and case.cell == city.cell_c


def test_hotline_without_any_place_names_every_way_to_give_one(client_as, cast, cats):
    response = hotline_post(english(client_as(cast.hotline)), cats, lon=None, lat=None, address="")
    assert response.status_code == 400
    assert response.context["form"].errors["address"] == [
        "Say where: type coordinates, choose the community, or name a grid area or cell in the address."
    ]
    assert Case.objects.count() == 0


def test_hotline_unknown_street_asks_for_the_community_not_for_a_map(client_as, cast, cats):
    response = hotline_post(english(client_as(cast.hotline)), cats, lon=None, lat=None, address=STREET)
    assert response.status_code == 400
    assert response.context["form"].errors["address"] == [
        "No area or cell of the grid matches this address: choose the community as well, or type coordinates."
    ]
    error = response.content.decode().split('id="id_address_error"')[1].split("</ul>")[0]
    assert "map" not in error
    assert Case.objects.count() == 0


def test_hotline_address_hint_says_what_the_grid_matches(client_as, cast, cats):
    page = english(client_as(cast.hotline)).get(reverse("workbench:hotline_intake")).content.decode()
    assert "names a grid area or cell" in page
    assert "bus stop" not in page


def test_an_area_that_is_not_a_community_is_refused_on_the_community(client_as, cast, cats, city):
    response = hotline_post(
        client_as(cast.hotline), cats, lon=None, lat=None, address=STREET, community=city.subdistrict_e.pk
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "community" in errors and "address" not in errors
    assert Case.objects.count() == 0


def test_a_community_without_boundary_or_cells_is_refused_not_placed_in_its_parent(client_as, cast, cats, city):
    from apps.grid.choices import AreaLevel
    from tests import factories

    empty = factories.make_area("440305001009", AreaLevel.COMMUNITY, city.subdistrict_e, name="新建社区")
    response = hotline_post(client_as(cast.hotline), cats, lon=None, lat=None, address=STREET, community=empty.pk)
    assert response.status_code == 400 and response.context["form"].errors["community"]
    assert Case.objects.count() == 0


def test_officer_reports_a_street_address_by_its_community(client_as, cast, cats, city):
    response = patrol_post(
        client_as(cast.officer_c), cats, lon="", lat="", address=STREET, community=city.community_e.pk
    )
    assert response.status_code == 200
    case = Case.objects.get()
    assert case.channel == Channel.PATROL and case.cell == city.cell_c and case.address == f"前海社区 {STREET}"


def _queries_of(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("who", "url_name"), [("hotline", "workbench:hotline_intake"), ("officer_a", "workbench:patrol_report")]
)
def test_intake_page_queries_do_not_grow_with_communities(
    client_as, cast, cats, city, who, url_name, django_assert_max_num_queries
):
    from apps.grid.choices import AreaLevel
    from tests import factories

    client = client_as(getattr(cast, who))
    url = reverse(url_name)
    client.get(url)  # warm the process caches
    few = _queries_of(client, url)
    for n in range(2, 12):
        sub = factories.make_area(f"4403050{n:02d}", AreaLevel.SUBDISTRICT, city.district_e, name=f"街道{n}")
        factories.make_area(f"4403050{n:02d}001", AreaLevel.COMMUNITY, sub, name=f"社区{n}")
    assert len(client.get(url).context["form"].fields["community"].choices) == 1 + 12
    with django_assert_max_num_queries(few):
        client.get(url)


def test_the_community_list_is_one_query_with_its_district_and_subdistrict(city, django_assert_num_queries):
    from apps.grid.selectors import community_list

    with django_assert_num_queries(1):
        labels = [(c.label, c.parent.label, c.parent.parent.label) for c in community_list()]
    assert labels == [("红荔社区", "园岭街道", "福田区"), ("前海社区", "南头街道", "南山区")]
