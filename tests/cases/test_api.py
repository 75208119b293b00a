"""The cases API: intake, filters, cursor pagination, constant query counts, public tracking, categories."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.cases.models import Case, CaseEvent, CasePhoto

from .conftest import POINT, jpeg


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


def test_intake_by_multipart_with_photos_answers_201_with_tracking_code(api_as, cast, category):
    lon, lat = POINT["b"]
    body = {"category": category.code, "description": "垃圾堆放", "lon": lon, "lat": lat, "photos": [jpeg(), jpeg()]}
    response = api_as(cast.resident).post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get(tracking_code=data["tracking_code"])
    assert (data["id"], data["state"], data["cell"]) == (case.pk, "reported", case.cell.code)
    assert case.photos.count() == 2 and case.channel == "api"


def test_hotline_intake_by_json_with_address_only(api_as, cast, category, city):
    body = {
        "category": category.code,
        "description": "来电反映垃圾",
        "address": f"{city.cell_a.code}附近",
        "reporter_name": "王五",
        "reporter_phone": "13600136000",
    }
    response = api_as(cast.hotline).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.channel, case.cell, case.reporter_name) == ("hotline", city.cell_a, "王五")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "NOPE"}, "category"),
        ({"description": ""}, "description"),
        ({"lon": 100.0, "lat": 10.0}, "location"),
        ({"photos": [SimpleUploadedFile("a.jpg", b"hello", content_type="image/jpeg")]}, "photos"),
        ({"crs": "mars"}, "crs"),
    ],
)
def test_intake_errors_are_400_naming_the_field_and_save_nothing(api_as, cast, category, change, field):
    lon, lat = POINT["a"]
    body = {"category": category.code, "description": "垃圾", "lon": lon, "lat": lat, **change}
    before = counts()
    response = api_as(cast.resident).post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert counts() == before


def test_an_address_that_names_no_grid_unit_is_400_with_its_own_code(api_as, cast, category):
    client = api_as(cast.hotline)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    body = {"category": category.code, "description": "来电反映垃圾", "address": "深南大道6008号"}
    before = counts()
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400, response.content
    data = response.json()
    message = "No area or cell of the grid matches this address."
    assert data == {"detail": message, "code": "address_not_found", "address": [message]}
    assert counts() == before


def test_anonymous_cannot_use_the_case_api(api):
    assert api.get("/api/v1/cases/").status_code in (401, 403)
    assert api.post("/api/v1/cases/", {}, format="json").status_code in (401, 403)


def test_list_filters(api_as, cast, city, case_in, report, category_road):
    a = case_in("dispatched", "a")
    b = report("b", category=category_road, description="路面坑洼严重")
    c = case_in("closed", "c")
    old = report("a", at=timezone.now() - timedelta(days=20))
    client = api_as(cast.dispatcher)

    def ids(**params):
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(state="dispatched") == {a.pk}
    assert ids(state=["dispatched", "closed"]) == {a.pk, c.pk}
    assert ids(category=category_road.code) == {b.pk}
    assert ids(category="E01") == {a.pk, c.pk, old.pk}  # parent code covers its children
    assert ids(cell=city.cell_b.code) == {b.pk}
    assert ids(department="SAN") == {a.pk, c.pk}
    assert ids(assignee=cast.handler_x.pk) == {c.pk}
    assert ids(created_before=(timezone.now() - timedelta(days=10)).isoformat()) == {old.pk}
    assert ids(created_after=(timezone.now() - timedelta(days=10)).isoformat()) == {a.pk, b.pk, c.pk}
    assert ids(q="坑洼") == {b.pk}
    assert ids(q=a.tracking_code.lower()) == {a.pk}


def test_cursor_pagination_walks_every_case_once_newest_first(api_as, cast, report):
    made = [report(at=timezone.now() - timedelta(minutes=i)).pk for i in range(7)]
    client = api_as(cast.dispatcher)
    seen, url = [], "/api/v1/cases/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == made


@pytest.mark.parametrize("n", [5, 50])
def test_list_runs_a_constant_number_of_queries(n, api_as, cast, report, django_assert_max_num_queries):
    from apps.cases import services

    for i in range(n):
        case = report("a" if i % 2 else "b", at=timezone.now() - timedelta(minutes=i))
        if i % 3 == 0:
            services.case_transition(case=case, actor=cast.dispatcher, action="register")
    for user in (cast.dispatcher, cast.officer_a, cast.supervisor_d, cast.resident, cast.handler_x):
        client = api_as(user)
        with django_assert_max_num_queries(6):
            response = client.get("/api/v1/cases/?page_size=100")
        assert response.status_code == 200


def test_detail_has_history_photos_actions_and_masked_contact(api_as, cast, case_in):
    case = case_in("resolved")
    data = api_as(cast.officer_a).get(f"/api/v1/cases/{case.pk}/").json()
    assert [e["action"] for e in data["events"]] == ["report", "register", "dispatch", "accept", "resolve"]
    assert [p["kind"] for p in data["photos"]] == ["after"]
    assert data["actions"] == ["verify_pass", "verify_fail"]
    assert data["contact"] == {"name": "张*", "phone": "138****8000", "masked": True, "can_reveal": False}
    assert data["events"][1]["actor"]["name"] == cast.dispatcher.display_name


def test_resident_sees_roles_not_staff_names_in_their_history(api_as, cast, case_in):
    case = case_in("dispatched")
    data = api_as(cast.resident).get(f"/api/v1/cases/{case.pk}/").json()
    assert all(e["actor"] is None for e in data["events"])
    assert "dispatcher" not in str(data["events"]).replace('"actor_role": "dispatcher"', "").replace(
        "'actor_role': 'dispatcher'", ""
    )


def test_conflict_on_stale_expected_version(api_as, cast, report):
    case = report()
    client = api_as(cast.dispatcher)
    response = client.post(f"/api/v1/cases/{case.pk}/register/", {"expected_version": 5}, format="json")
    assert response.status_code == 409
    assert client.post(f"/api/v1/cases/{case.pk}/register/", {"expected_version": 0}, format="json").status_code == 200
    assert client.post(f"/api/v1/cases/{case.pk}/register/", {}, format="json").status_code == 409


def test_missing_reason_is_400_naming_the_field(api_as, cast, report):
    case = report()
    response = api_as(cast.dispatcher).post(f"/api/v1/cases/{case.pk}/reject/", {"note": " "}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    response = api_as(cast.officer_a).post(f"/api/v1/cases/{case.pk}/self-handle/", {"note": "修好了"}, format="json")
    assert response.status_code == 400 and "photos" in response.json()


def test_tracking_by_code_shows_no_personal_data(api, cast, case_in):
    case = case_in("closed", reporter_name="张三丰", reporter_phone="13812345678")
    from apps.cases import services

    services.case_contact_reveal(case=case, actor=cast.dispatcher)
    response = api.get(f"/api/v1/track/{case.tracking_code.lower()}/")
    assert response.status_code == 200
    text = response.content.decode()
    for secret in ("张三丰", "13812345678", "138****5678", "contact_viewed", "reporter", "address"):
        assert secret not in text
    data = response.json()
    assert all(set(e) == {"action", "to_state", "actor_role", "note", "created_at"} for e in data["events"])
    assert data["state"] == "closed"
    assert [e["action"] for e in data["events"]] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify_pass",
    ]


def test_tracking_by_code_shows_only_the_notes_written_for_the_public(api, cast, city, report):
    """Staff remarks may quote the reporter; the description may hold their phone. Anyone holding
    the code sees neither, only what was done (the same rule as the tracking page)."""
    from apps.cases import services

    case = report(description="我家门口井盖丢了，联系我 13912345678")
    services.case_transition(
        case=case, actor=cast.dispatcher, action="register", note="已核实，反映人王大锤 13912345678"
    )
    services.case_transition(
        case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, note="请联系王大锤"
    )
    services.case_transition(case=case, actor=cast.handler_x, action="accept")
    services.case_transition(
        case=case, actor=cast.handler_x, action="resolve", note="已补装井盖", photos=[jpeg("after.jpg")]
    )
    data = api.get(f"/api/v1/track/{case.tracking_code}/").json()
    text = json.dumps(data, ensure_ascii=False)
    assert "13912345678" not in text and "王大锤" not in text and "description" not in data
    assert {e["action"]: e["note"] for e in data["events"]} == {
        "report": "",
        "register": "",
        "dispatch": "",
        "accept": "",
        "resolve": "已补装井盖",
    }
    page = api.get(f"/report/track/{case.tracking_code}/").content.decode()
    assert "13912345678" not in page and "王大锤" not in page and "已补装井盖" in page


def test_tracking_an_unknown_code_is_404(api, db):
    assert api.get("/api/v1/track/AAAAAAAAAAAA/").status_code == 404


def test_categories_are_public(api, category):
    data = api.get("/api/v1/categories/").json()
    assert {c["code"] for c in data} == {"E01", "E0101"}
    leaf = next(c for c in data if c["code"] == "E0101")
    assert (leaf["parent"], leaf["default_department"]) == ("E01", "SAN")


def test_schema_is_valid(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/v1/cases/{id}/verify-pass/", "/api/v1/track/{code}/", "/api/v1/cases/{id}/photos/"):
        assert path in body


def test_staff_see_colleagues_names_in_the_history_but_never_a_residents(api_as, cast, city, report):
    from apps.cases import services

    cast.resident.full_name = "李四海"
    cast.resident.save(update_fields=["full_name"])
    case = report()  # by the resident

    services.case_transition(case=case, actor=cast.dispatcher, action="register")
    for viewer in (cast.dispatcher, cast.officer_a):
        events = api_as(viewer).get(f"/api/v1/cases/{case.pk}/").json()["events"]
        by_action = {e["action"]: e for e in events}
        assert by_action["report"]["actor"] is None and by_action["report"]["actor_role"] == "resident"
        assert by_action["register"]["actor"]["name"] == cast.dispatcher.display_name
        assert "李四海" not in json.dumps(events, ensure_ascii=False)


def test_a_resident_reading_their_case_sees_roles_and_public_notes_only(api_as, cast, city, report):
    from apps.cases import services

    case = report()
    services.case_transition(case=case, actor=cast.dispatcher, action="register", note="内部备注：已电话核实")
    services.case_transition(case=case, actor=cast.dispatcher, action="dispatch", assignee=cast.officer_a)
    data = api_as(cast.resident).get(f"/api/v1/cases/{case.pk}/").json()
    assert data["assignee"] is None and data["responsible_officer"] is None
    assert "内部备注" not in json.dumps(data, ensure_ascii=False)
    assert all(e["actor"] is None for e in data["events"])
    listed = api_as(cast.resident).get("/api/v1/cases/").json()["results"]
    assert [c["assignee"] for c in listed if c["id"] == case.pk] == [None]
    # Staff still see who holds it.
    assert api_as(cast.dispatcher).get(f"/api/v1/cases/{case.pk}/").json()["assignee"]["id"] == cast.officer_a.pk


def test_a_refused_action_is_403_whatever_its_inputs(api_as, cast, case_in):
    """A handler may not dispatch (not even a case of their department): the answer must not tell
    which accounts exist."""
    case = case_in("dispatched")
    client = api_as(cast.handler_x)
    for body in ({"assignee": 999999}, {"assignee": cast.officer_a.pk}, {"department": "x"}):
        response = client.post(f"/api/v1/cases/{case.pk}/dispatch/", body, format="json")
        assert response.status_code == 403, body
        assert response.json()["code"] == "not_permitted"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("assignee=1e19", "assignee"),
        ("assignee=99999999999999999999", "assignee"),
        ("created_after=0001-01-01T00:00:00", "created_after"),
        ("created_before=9999-12-31T23:59:59-01:00", "created_before"),
        ("created_after=yesterday", "created_after"),
    ],
)
def test_a_filter_value_the_database_cannot_hold_is_400_naming_it(api_as, cast, query, field):
    response = api_as(cast.dispatcher).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_coordinates_out_of_range_name_the_coordinate(api_as, cast, category):
    lon, lat = POINT["a"]
    for change, field in (({"lon": 200}, "lon"), ({"lat": -91}, "lat"), ({"lat": "abc"}, "lat")):
        body = {"category": category.code, "description": "垃圾", "lon": lon, "lat": lat, **change}
        response = api_as(cast.resident).post("/api/v1/cases/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (change, response.json())


def test_api_errors_outside_the_views_are_json_too(api_as, cast, settings):
    client = api_as(cast.dispatcher)
    missing = client.get("/api/v1/cases/abc/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = client.post("/api/v1/cases/", {"description": "a" * 5000}, format="json")
    assert big.status_code == 413 and big.json()["code"] == "too_large"


def test_a_conflict_names_the_input_at_fault(api_as, cast, case_in):
    case = case_in("registered")
    response = api_as(cast.dispatcher).post(
        f"/api/v1/cases/{case.pk}/reject/", {"note": "重复", "expected_version": case.version - 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict" and "expected_version" in response.json()


def test_a_bad_page_or_cursor_is_400_naming_it(api_as, cast):
    client = api_as(cast.dispatcher)
    response = client.get("/api/v1/cases/?cursor=not-a-cursor")
    assert response.status_code == 400 and "cursor" in response.json()
    response = client.get("/api/v1/notifications/?page=999")
    assert response.status_code == 400 and "page" in response.json()
