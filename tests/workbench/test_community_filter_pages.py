"""The community chooser's search script is loaded by the pages that show the chooser (the resident's
report, the hotline intake, the patrol report), with the JavaScript catalogue before it, and by no
other page."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

from apps.cases.models import Category
from apps.grid.choices import AreaLevel
from apps.grid.models import Area

SCRIPT = static("js/community-filter.js")
CATALOG = reverse("javascript-catalog")


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("who", "url_name"),
    [(None, "portal:home"), ("hotline", "workbench:hotline_intake"), ("officer_a", "workbench:patrol_report")],
)
def test_pages_with_the_chooser_load_the_script_after_the_catalog(client_as, cast, cats, who, url_name):
    html = html_of(client_as(getattr(cast, who) if who else None), reverse(url_name))
    assert "<div data-community-filter>" in html and 'name="community"' in html
    assert html.count(SCRIPT) == 1
    assert html.index(CATALOG) < html.index(SCRIPT)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        (None, "portal:track"),
        ("resident", "portal:my_reports"),
        ("dispatcher", "workbench:dashboard"),
        ("dispatcher", "workbench:case_list"),
        ("supervisor_d", "grid:map"),
    ],
)
def test_pages_without_the_chooser_do_not_load_it(client_as, cast, cats, who, url_name):
    html = html_of(client_as(getattr(cast, who) if who else None), reverse(url_name))
    assert SCRIPT not in html and "data-community-filter" not in html


def test_a_grid_without_communities_has_no_chooser_and_no_script(client, db):
    Category.objects.create(code="E01", name="市容环境", name_en="City appearance")
    assert not Area.objects.filter(level=AreaLevel.COMMUNITY).exists()
    html = html_of(client, reverse("portal:home"))
    assert 'name="community"' not in html and SCRIPT not in html
