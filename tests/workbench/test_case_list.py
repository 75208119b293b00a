"""The case list: filters narrow the user's own scope, pagination, and a constant number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.cases.choices import CaseState
from tests.conftest import LAT_B, LAT_C, LON_B, LON_C

from .helpers import advance, report


def codes(response):
    return {c.tracking_code for c in response.context["cases"]}


@pytest.fixture
def spread(cast, city, cats):
    """Cases in cells A, B and C, in different states and categories."""
    return {
        "a_new": report(cats["garbage"], actor=cast.resident, description="垃圾桶满了"),
        "a_dispatched": advance(report(cats["garbage"], actor=cast.resident2), cast, city, CaseState.DISPATCHED),
        "b_road": report(
            cats["pothole"],
            actor=cast.resident,
            lon=LON_B + 0.004,
            lat=LAT_B + 0.004,
            description="路面坑洼",
            address="红荔路12号",
        ),
        "c_new": report(cats["garbage"], actor=cast.resident, lon=LON_C + 0.004, lat=LAT_C + 0.004),
    }


def test_list_shows_only_the_users_scope(client_as, cast, spread):
    a_only = codes(client_as(cast.officer_a).get(reverse("workbench:case_list")))
    assert a_only == {spread["a_new"].tracking_code, spread["a_dispatched"].tracking_code}
    district_d = codes(client_as(cast.supervisor_d).get(reverse("workbench:case_list")))
    assert spread["c_new"].tracking_code not in district_d and spread["b_road"].tracking_code in district_d
    assert len(codes(client_as(cast.dispatcher).get(reverse("workbench:case_list")))) == 4


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "dispatched"}, {"a_dispatched"}),
        ({"category": "pothole"}, {"b_road"}),
        ({"category": "env"}, {"a_new", "a_dispatched", "c_new"}),  # a top-level class includes its children
        ({"area": "district_e"}, {"c_new"}),
        ({"cell": "cell_b"}, {"b_road"}),
        ({"department": "dept_x"}, {"a_dispatched"}),
        ({"q": "坑洼"}, {"b_road"}),
        ({"q": "红荔路"}, {"b_road"}),
        ({"state": "reported", "area": "district_d"}, {"a_new", "b_road"}),
    ],
)
def test_filters(client_as, cast, city, cats, spread, params, expected):
    query = {}
    for key, value in params.items():
        if key == "category":
            query[key] = cats[value].pk
        elif key in ("area", "department"):
            query[key] = getattr(city, value).pk
        elif key == "cell":
            query[key] = getattr(city, value).code
        else:
            query[key] = value
    response = client_as(cast.dispatcher).get(reverse("workbench:case_list"), query)
    assert response.status_code == 200
    assert codes(response) == {spread[name].tracking_code for name in expected}


def test_text_search_finds_a_tracking_code(client_as, cast, spread):
    code = spread["c_new"].tracking_code
    response = client_as(cast.dispatcher).get(reverse("workbench:case_list"), {"q": code.lower()})
    assert codes(response) == {code}


def test_date_range(client_as, cast, cats):
    old = report(cats["garbage"], actor=cast.resident, at=timezone.now() - dt.timedelta(days=10))
    new = report(cats["garbage"], actor=cast.resident)
    today = timezone.localdate()
    client = client_as(cast.dispatcher)
    recent = client.get(reverse("workbench:case_list"), {"created_after": (today - dt.timedelta(days=1)).isoformat()})
    assert codes(recent) == {new.tracking_code}
    earlier = client.get(reverse("workbench:case_list"), {"created_before": (today - dt.timedelta(days=5)).isoformat()})
    assert codes(earlier) == {old.tracking_code}


def test_a_bad_filter_value_is_shown_and_ignored(client_as, cast, spread):
    response = client_as(cast.dispatcher).get(
        reverse("workbench:case_list"), {"created_after": "not-a-date", "state": "dispatched"}
    )
    assert response.status_code == 200
    assert codes(response) == {spread["a_dispatched"].tracking_code}
    assert 'class="errorlist"' in response.content.decode()


def test_pagination_keeps_the_filters(client_as, cast, cats):
    for i in range(27):
        report(cats["garbage"], actor=cast.resident, description=f"垃圾 {i}")
    client = client_as(cast.dispatcher)
    first = client.get(reverse("workbench:case_list"), {"state": "reported"})
    assert len(first.context["cases"]) == 25
    html = first.content.decode()
    assert "page=2" in html and "state=reported" in html
    second = client.get(reverse("workbench:case_list"), {"state": "reported", "page": 2})
    assert len(second.context["cases"]) == 2


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("who", ["dispatcher", "officer_a", "supervisor_d", "handler_x"])
def test_list_query_count_does_not_grow_with_cases(client_as, cast, city, cats, django_assert_max_num_queries, n, who):
    for i in range(n):
        case = report(cats["garbage"], actor=cast.resident, description=f"垃圾 {i}")
        if i % 5 == 0:
            advance(case, cast, city, CaseState.DISPATCHED)
    client = client_as(getattr(cast, who))
    # A supervisor's navigation counts the requests waiting for their decision: area scope and count.
    decisions = 2 if who == "supervisor_d" else 0
    # session, user, (a supervisor's area scope), count, page, and the category, area and department choices
    with django_assert_max_num_queries(8 + decisions):
        response = client.get(reverse("workbench:case_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(8 + decisions):
        client.get(reverse("workbench:case_list"), {"state": "reported", "q": "垃圾"})
    # session, user, counts by state, the queue (and the handler's department)
    with django_assert_max_num_queries(5 + decisions):
        assert client.get(reverse("workbench:dashboard")).status_code == 200


@pytest.mark.parametrize("params", [{"created_after": "0001-01-01"}, {"created_before": "9999-12-31"}])
def test_a_date_the_database_cannot_compare_is_shown_and_ignored(client_as, cast, spread, params):
    response = client_as(cast.dispatcher).get(reverse("workbench:case_list"), {**params, "state": "dispatched"})
    assert response.status_code == 200
    assert codes(response) == {spread["a_dispatched"].tracking_code}
    assert 'class="errorlist"' in response.content.decode()
