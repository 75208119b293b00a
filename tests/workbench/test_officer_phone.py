"""The grid officer's pages on a phone: the camera opens for photos, a refused form points at the
fields to correct, and the location status is announced."""

import re

from django.urls import reverse
from django.utils import translation

from apps.cases.choices import CaseState

from .helpers import advance, png, report
from .test_intake import patrol_post


def _input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def test_patrol_photo_inputs_open_the_camera(client_as, cast):
    html = client_as(cast.officer_a).get(reverse("workbench:patrol_report")).content.decode()
    for name in ("photos", "after_photos"):
        tag = _input_tag(html, name)
        assert 'capture="environment"' in tag and "multiple" in tag


def test_patrol_location_status_is_a_live_region(client_as, cast):
    html = client_as(cast.officer_a).get(reverse("workbench:patrol_report")).content.decode()
    assert re.search(r'<span[^>]*data-geostatus[^>]*aria-live="polite"', html)


def test_a_refused_patrol_report_links_each_error_to_its_field(client_as, cast, cats):
    response = patrol_post(client_as(cast.officer_a), cats, self_handle="on", handle_note="")
    assert response.status_code == 400
    html = response.content.decode()
    links = re.search(r'<ul class="error-links">(.*?)</ul>', html, re.S)
    assert links
    assert 'href="#id_handle_note"' in links.group(1) and 'href="#id_after_photos"' in links.group(1)
    assert 'id="id_handle_note"' in html and 'id="id_after_photos"' in html


def test_a_refused_patrol_report_asks_for_the_photos_again(client_as, cast, cats):
    client = client_as(cast.officer_a)
    with translation.override("zh-hans"):  # the pages' default language
        notice = translation.gettext("The photos you chose were not kept: please add them again.")
    with_photo = patrol_post(client, cats, self_handle="on", handle_note="", photos=[png("before.png")])
    assert notice in with_photo.content.decode()
    without = patrol_post(client, cats, self_handle="on", handle_note="")
    assert notice not in without.content.decode()


def test_an_action_form_posts_to_its_own_anchor(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.RESOLVED)
    html = client_as(cast.officer_a).get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    for action in ("verify_pass", "verify_fail"):
        url = reverse("workbench:case_act", args=[case.pk, action])
        assert f'id="act-{action}"' in html and f'action="{url}#act-{action}"' in html
