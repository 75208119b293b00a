"""The resident's report form and the page that shows the tracking code."""

import pytest
from django.urls import reverse

from apps.cases.choices import CaseState, Channel, PhotoKind
from apps.cases.models import Case
from tests.conftest import LAT_A, LON_A
from tests.portal.conftest import page_text
from tests.workbench.helpers import png, unresolved_describedby


def form_data(cats, **overrides):
    data = {
        "category": cats["garbage"].pk,
        "description": "小区门口垃圾堆了三天",
        "address": "",
        "lon": LON_A + 0.004,
        "lat": LAT_A + 0.004,
        "crs": "wgs84",
        "reporter_name": "",
        "reporter_phone": "",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("who", [None, "resident", "dispatcher"])
def test_report_form_opens_for_everyone(client_as, cast, cats, who):
    response = client_as(getattr(cast, who) if who else None).get(reverse("portal:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'capture="environment"' in html and "data-geolocate" in html
    assert "<optgroup" in html


def test_anonymous_report_gets_a_tracking_code(client_as, cast, cats, city):
    client = client_as(None)
    response = client.post(reverse("portal:home"), form_data(cats, photos=[png()]))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:thanks", args=[case.tracking_code])
    assert case.channel == Channel.RESIDENT_WEB and case.state == CaseState.REPORTED and case.reporter is None
    assert case.cell == city.cell_a and case.photos.filter(kind=PhotoKind.BEFORE).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert case.tracking_code in page and reverse("portal:track_case", args=[case.tracking_code]) in page


def test_logged_in_resident_report_is_theirs(client_as, cast, cats):
    client = client_as(cast.resident)
    client.post(reverse("portal:home"), form_data(cats))
    case = Case.objects.get()
    assert case.reporter == cast.resident
    assert case.tracking_code in page_text(client.get(reverse("portal:my_reports")))


def test_report_by_address_or_landmark(client_as, cast, cats, city):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, lon="", lat="", address="红荔社区"))
    assert response.status_code == 302
    assert Case.objects.get().area == city.community_d


def test_report_without_a_place_shows_the_error_next_to_the_address(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, lon="", lat=""))
    assert response.status_code == 400
    assert response.context["form"].errors["address"]
    html = response.content.decode()
    assert html.index('class="errorlist"') > html.index('id="id_address"')
    assert Case.objects.count() == 0


def test_an_address_that_matches_nothing_is_refused(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, lon="", lat="", address="火星基地"))
    assert response.status_code == 400 and response.context["form"].errors["address"]
    assert Case.objects.count() == 0


def test_a_location_outside_the_city_is_shown_on_the_address_field(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, lon=121.47, lat=31.23))
    assert response.status_code == 400 and response.context["form"].errors["address"]
    assert Case.objects.count() == 0


def test_missing_category_and_description_are_marked(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, category="", description=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "category" in errors and "description" in errors
    assert Case.objects.count() == 0


def test_each_field_error_is_linked_to_its_field(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, category="", description=""))
    html = response.content.decode()
    assert 'aria-describedby="id_category_error"' in html
    assert 'id="id_category_error"' in html and 'id="id_description_error"' in html
    assert unresolved_describedby(html) == []
    # The summary above the form is the one alert; a list keeps its list role.
    assert '<ul class="errorlist" role="alert"' not in html and html.count('role="alert"') == 1


def test_a_bad_phone_number_is_refused(client_as, cast, cats):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, reporter_phone="call me maybe"))
    assert response.status_code == 400 and response.context["form"].errors["reporter_phone"]
    assert Case.objects.count() == 0


def test_thanks_page_for_an_unknown_code_is_404(client_as, cast):
    assert client_as(None).get(reverse("portal:thanks", args=["NOSUCHCODE"])).status_code == 404


def test_portal_renders_in_english_and_chinese(client, cast, cats):
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("portal:home")).content.decode()
    assert '<html lang="en">' in english and "Report a problem" in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(reverse("portal:home")).content.decode()
    with translation.override("zh-hans"):
        expected = translation.gettext("Report a problem")
    assert '<html lang="zh-hans">' in chinese and expected in chinese


def test_an_error_on_a_hidden_field_is_shown_too(client_as, cast, cats):
    """lon/lat are hidden (filled by the location button): a broken value must not leave the
    resident with 'please correct the marked fields' and nothing marked."""
    client = client_as(None)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("portal:home"), form_data(cats, lon="abc"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please correct the marked fields." in page and "Enter a number." in page
    assert Case.objects.count() == 0


STREET = "深南大道6008号"  # a street address: the grid knows areas and cells by name, not streets


def test_without_location_the_community_places_the_report(client_as, cast, cats, city):
    client = client_as(None)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'name="community"' in page and f'value="{city.community_e.pk}"' in page
    response = client.post(
        reverse("portal:home"), form_data(cats, lon="", lat="", address=STREET, community=city.community_e.pk)
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.cell == city.cell_c and case.area == city.community_e
    assert case.address == f"前海社区 {STREET}"  # the officer sees which community the street is in


def test_the_community_alone_is_enough(client_as, cast, cats, city):
    response = client_as(None).post(
        reverse("portal:home"), form_data(cats, lon="", lat="", community=city.community_e.pk)
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.cell == city.cell_c and case.address == "前海社区"


def test_the_phones_position_wins_over_the_community(client_as, cast, cats, city):
    response = client_as(None).post(reverse("portal:home"), form_data(cats, community=city.community_e.pk))
    assert response.status_code == 302
    assert Case.objects.get().cell == city.cell_a


def test_an_unknown_street_points_to_the_community_list_not_to_a_map(client_as, cast, cats):
    client = client_as(None)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("portal:home"), form_data(cats, lon="", lat="", address=STREET))
    assert response.status_code == 400
    errors = response.context["form"].errors["address"]
    assert errors == ["We could not find this place. Choose the community below, or use your location."]
    assert "map" not in response.content.decode().split('id="id_address_error"')[1].split("</ul>")[0]
    assert Case.objects.count() == 0


def test_no_place_at_all_names_every_way_to_give_one(client_as, cast, cats):
    client = client_as(None)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse("portal:home"), form_data(cats, lon="", lat=""))
    assert response.context["form"].errors["address"] == [
        "Tell us where: use your location, choose the community, or type an address."
    ]


def test_an_area_that_is_not_a_community_is_refused(client_as, cast, cats, city):
    response = client_as(None).post(
        reverse("portal:home"), form_data(cats, lon="", lat="", community=city.district_d.pk)
    )
    assert response.status_code == 400 and response.context["form"].errors["community"]
    assert Case.objects.count() == 0


def test_only_communities_are_offered(client_as, cast, cats, city):
    field = client_as(None).get(reverse("portal:home")).context["form"].fields["community"]
    offered = {value for _group, options in field.choices[1:] for value, _label in options}
    assert offered == {str(city.community_d.pk), str(city.community_e.pk)}


def test_photos_lost_to_an_error_are_asked_for_again(client_as, cast, cats):
    client = client_as(None)
    with_photo = client.post(reverse("portal:home"), form_data(cats, description="", photos=[png()]))
    assert with_photo.status_code == 400 and "data-photos-dropped" in with_photo.content.decode()
    without_photo = client.post(reverse("portal:home"), form_data(cats, description=""))
    assert without_photo.status_code == 400 and "data-photos-dropped" not in without_photo.content.decode()


def test_clear_location_is_offered_only_with_a_location(client_as, cast, cats):
    client = client_as(None)
    assert "data-geoclear hidden" in client.get(reverse("portal:home")).content.decode()
    kept = client.post(reverse("portal:home"), form_data(cats, description="")).content.decode()
    assert "data-geoclear>" in kept and "data-geoclear hidden" not in kept


def test_thanks_page_shows_the_code_in_groups_of_four(client_as, cast, cats):
    client = client_as(None)
    response = client.post(reverse("portal:home"), form_data(cats))
    code = Case.objects.get().tracking_code
    page = client.get(response["Location"]).content.decode()
    groups = [code[:4], code[4:8], code[8:]]
    # No space between the groups: a copied code is the code itself.
    assert '<p class="tracking-code">' + "".join(f'<span class="code-group">{g}</span>' for g in groups) in page


def test_with_a_position_the_address_is_not_labelled_with_the_chosen_community(client_as, cast, cats, city):
    client_as(None).post(reverse("portal:home"), form_data(cats, address=STREET, community=city.community_e.pk))
    case = Case.objects.get()
    assert case.cell == city.cell_a and case.address == STREET


def test_report_form_queries_do_not_grow_with_communities(client_as, cast, cats, city, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.grid.choices import AreaLevel
    from tests import factories

    client = client_as(None)
    url = reverse("portal:home")
    client.get(url)  # warm the process caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(2, 12):
        sub = factories.make_area(f"4403050{n:02d}", AreaLevel.SUBDISTRICT, city.district_e, name=f"街道{n}")
        factories.make_area(f"4403050{n:02d}001", AreaLevel.COMMUNITY, sub, name=f"社区{n}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert "社区11" in response.content.decode()
