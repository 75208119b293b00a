"""Both languages render: the switcher in base.html sets the language; pages follow it."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation


def page_in(client, url, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client.get(url).content.decode()


def translated(text, lang):
    with translation.override(lang):
        return translation.gettext(text)


@pytest.mark.parametrize(
    ("url_name", "text"),
    [
        ("workbench:dashboard", "Workbench"),
        ("workbench:case_list", "Cases"),
        ("workbench:hotline_intake", "Hotline intake"),
    ],
)
def test_workbench_pages_render_in_english_and_chinese(client_as, cast, cats, url_name, text):
    client = client_as(cast.dispatcher)
    english = page_in(client, reverse(url_name), "en")
    assert '<html lang="en">' in english and text in english
    chinese = page_in(client, reverse(url_name), "zh-hans")
    assert '<html lang="zh-hans">' in chinese and translated(text, "zh-hans") in chinese


def test_the_language_switcher_sets_the_language(client_as, cast):
    client = client_as(cast.dispatcher)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("workbench:case_list")})
    assert response.status_code == 302 and response["Location"] == reverse("workbench:case_list")
    assert '<html lang="en">' in client.get(reverse("workbench:case_list")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("workbench:case_list")).content.decode()


def test_category_names_follow_the_language(client_as, cast, cats):
    client = client_as(cast.hotline)
    assert "Exposed garbage" in page_in(client, reverse("workbench:hotline_intake"), "en")
    chinese = page_in(client, reverse("workbench:hotline_intake"), "zh-hans")
    assert "暴露垃圾" in chinese and "Exposed garbage" not in chinese


def test_the_history_names_the_act_of_reporting_apart_from_the_state_it_leads_to():
    from apps.workbench.templatetags.gridops_tags import action_label

    with translation.override("zh-hans"):
        assert action_label("report") == "上报"
        assert translation.gettext("Reported") == "已受理"  # the state
    with translation.override("en"):
        assert action_label("report") == "Report submitted"
