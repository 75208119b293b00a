"""Who may open which workbench page: the cast against every page."""

import pytest
from django.urls import reverse

from apps.cases.choices import CaseState

from .helpers import advance, report

STAFF = ["officer_a", "officer_b", "handler_x", "dispatcher", "hotline", "supervisor_d", "admin"]
PAGES = ["workbench:dashboard", "workbench:case_list"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", STAFF)
def test_staff_open_the_workbench_pages(client_as, cast, cats, page, who):
    report(cats["garbage"], actor=cast.resident)
    response = client_as(getattr(cast, who)).get(reverse(page))
    assert response.status_code == 200


@pytest.mark.parametrize("page", [*PAGES, "workbench:hotline_intake", "workbench:patrol_report"])
def test_anonymous_is_sent_to_the_login_page(client_as, cast, page):
    url = reverse(page)
    response = client_as(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize("page", PAGES)
def test_a_resident_may_not_use_the_workbench(client_as, cast, page):
    assert client_as(cast.resident).get(reverse(page)).status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_a", 200),
        ("officer_b", 404),
        ("officer_c", 404),
        ("handler_x", 200),
        ("handler_y", 404),
        ("dispatcher", 200),
        ("hotline", 200),
        ("admin", 200),
        ("supervisor_d", 200),
        ("supervisor_e", 404),
        ("resident", 403),
        ("resident2", 403),
    ],
)
def test_case_detail_is_shown_only_within_scope(client_as, cast, city, cats, who, status):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.DISPATCHED)
    response = client_as(getattr(cast, who)).get(reverse("workbench:case_detail", args=[case.pk]))
    assert response.status_code == status
    if status == 404:
        assert case.tracking_code.encode() not in response.content


def test_case_detail_of_anonymous_redirects_to_login(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = client_as(None).get(reverse("workbench:case_detail", args=[case.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_case_outside_scope_is_404_for_actions_and_contact_too(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    client = client_as(cast.officer_b)
    assert client.post(reverse("workbench:case_act", args=[case.pk, "register"])).status_code == 404
    assert client.post(reverse("workbench:case_contact", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("hotline", 200),
        ("dispatcher", 200),
        ("admin", 200),
        ("officer_a", 403),
        ("handler_x", 403),
        ("supervisor_d", 403),
    ],
)
def test_hotline_intake_is_for_call_takers(client_as, cast, cats, who, status):
    assert client_as(getattr(cast, who)).get(reverse("workbench:hotline_intake")).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer_a", 200), ("officer_c", 200), ("dispatcher", 403), ("handler_x", 403), ("hotline", 403)],
)
def test_patrol_report_is_for_grid_officers(client_as, cast, cats, who, status):
    assert client_as(getattr(cast, who)).get(reverse("workbench:patrol_report")).status_code == status


def test_front_page_sends_staff_to_the_workbench_and_others_to_the_portal(client_as, cast):
    assert client_as(cast.dispatcher).get("/")["Location"] == reverse("workbench:dashboard")
    assert client_as(cast.resident).get("/")["Location"] == reverse("portal:home")
    assert client_as(None).get("/")["Location"] == reverse("portal:home")
