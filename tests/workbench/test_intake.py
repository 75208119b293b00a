"""Hotline intake and the officer's patrol report."""

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
