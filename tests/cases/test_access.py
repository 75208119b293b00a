"""Who sees what: the selector, every case endpoint, lists, counts and search leak nothing."""

from __future__ import annotations

import pytest

from apps.cases.models import Case
from apps.cases.selectors import case_list_for_user, case_visible_among
from apps.grid import services as grid_services

PEOPLE = [
    "officer_a",
    "officer_b",
    "officer_c",
    "handler_x",
    "handler_y",
    "dispatcher",
    "hotline",
    "supervisor_d",
    "supervisor_e",
    "resident",
    "resident2",
    "admin",
    None,
]


@pytest.fixture
def spread(case_in, report, cast):
    """A dispatched case in cell A (dept X, by resident), a reported case in cell B (by resident2),
    an in-progress case in cell C (dept X, by resident2)."""
    return {
        "a": case_in("dispatched", "a"),
        "b": report("b", by=cast.resident2),
        "c": case_in("in_progress", "c", by=cast.resident2),
    }


EXPECTED = {
    "officer_a": {"a"},
    "officer_b": {"b"},
    "officer_c": {"c"},
    "handler_x": {"a", "c"},
    "handler_y": set(),
    "dispatcher": {"a", "b", "c"},
    "hotline": {"a", "b", "c"},
    "admin": {"a", "b", "c"},
    "supervisor_d": {"a", "b"},
    "supervisor_e": {"c"},
    "resident": {"a"},
    "resident2": {"b", "c"},
    None: set(),
}


def _user(cast, person):
    return getattr(cast, person) if person else None


@pytest.mark.parametrize("person", PEOPLE)
def test_selector_and_list_show_exactly_the_cases_in_scope(person, cast, spread, api_as):
    user = _user(cast, person)
    expected = {spread[k].pk for k in EXPECTED[person]}
    if user is not None:
        assert set(case_list_for_user(user=user).values_list("pk", flat=True)) == expected
    response = api_as(user).get("/api/v1/cases/")
    if user is None:
        assert response.status_code in (401, 403)
        return
    assert {row["id"] for row in response.json()["results"]} == expected
    # searching for another's tracking code finds nothing
    for key, case in spread.items():
        found = api_as(user).get("/api/v1/cases/", {"q": case.tracking_code}).json()["results"]
        assert [row["id"] for row in found] == ([case.pk] if key in EXPECTED[person] else [])


@pytest.mark.parametrize("person", PEOPLE)
def test_visibility_among_given_cases_is_the_selectors(person, cast, spread, django_assert_max_num_queries):
    """`case_visible_among` (duplicate suggestions) answers as the selector, for every role, with
    no more queries than the selector needs (none for those who see all or only their own reports)."""
    user = _user(cast, person)
    cases = list(Case.objects.filter(pk__in=[c.pk for c in spread.values()]).order_by("-id"))
    queries = 0 if person in (None, "dispatcher", "hotline", "admin", "resident", "resident2") else 2
    with django_assert_max_num_queries(queries):
        visible = case_visible_among(user=user, cases=cases)
    assert [c.pk for c in visible] == [c.pk for c in cases if c.pk in {spread[k].pk for k in EXPECTED[person]}]


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", ["", "contact/", "duplicates/"])
def test_get_endpoints_answer_404_outside_scope(person, endpoint, cast, spread, api_as):
    user = _user(cast, person)
    for key, case in spread.items():
        response = api_as(user).get(f"/api/v1/cases/{case.pk}/{endpoint}")
        if user is None:
            assert response.status_code in (401, 403)
        elif key not in EXPECTED[person]:
            assert response.status_code == 404, (person, key, endpoint)
        elif endpoint == "duplicates/" and person.startswith("resident"):
            assert response.status_code == 403
        else:
            assert response.status_code == 200, (person, key, endpoint, response.content)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", ["photos/", "contact/reveal/", "rate/", "register/", "accept/", "verify-pass/"])
def test_post_endpoints_answer_404_outside_scope_and_change_nothing(person, endpoint, cast, spread, api_as):
    user = _user(cast, person)
    for key, case in spread.items():
        if user is not None and key in EXPECTED[person]:
            continue
        before = (case.state, case.events.count(), case.photos.count())
        response = api_as(user).post(f"/api/v1/cases/{case.pk}/{endpoint}", {}, format="json")
        assert response.status_code in ((401, 403) if user is None else (404,)), (person, key, endpoint)
        case.refresh_from_db()
        assert (case.state, case.events.count(), case.photos.count()) == before


def test_officer_loses_sight_of_a_cell_when_the_assignment_ends(cast, city, spread):
    assignment = city.cell_a.assignments.get(officer=cast.officer_a)
    grid_services.assignment_end(assignment=assignment)
    assert not case_list_for_user(user=cast.officer_a).exists()


def test_assignee_sees_a_case_dispatched_to_them_outside_their_cells(cast, city, case_in):
    from apps.cases import services

    case = case_in("registered", "c")
    services.case_transition(case=case, actor=cast.dispatcher, action="dispatch", assignee=cast.officer_a)
    assert case_list_for_user(user=cast.officer_a).filter(pk=case.pk).exists()
    services.case_transition(case=case, actor=cast.officer_a, action="accept")
    assert case.state == "in_progress" and case.assignee == cast.officer_a


def test_supervisor_area_filter_at_every_level(api_as, cast, city, spread):
    client = api_as(cast.dispatcher)
    for area, keys in [
        (city.city, "abc"),
        (city.district_d, "ab"),
        (city.community_e, "c"),
        (city.subdistrict_d, "ab"),
    ]:
        rows = client.get("/api/v1/cases/", {"area": area.code}).json()["results"]
        assert {r["id"] for r in rows} == {spread[k].pk for k in keys}
    assert client.get("/api/v1/cases/", {"area": "nowhere"}).json()["results"] == []
