"""SLA API: status of a case, suspension and extension through the cast's eyes."""

from __future__ import annotations

import pytest

from apps.sla.models import ClockRequest


@pytest.fixture
def case(dispatched_case, time_machine):
    from .conftest import local

    time_machine.move_to(local(2026, 11, 23, 10, 0), tick=False)
    return dispatched_case(local(2026, 11, 23, 9, 0))


@pytest.mark.parametrize(
    "who,code",
    [
        ("handler_x", 200),
        ("supervisor_d", 200),
        ("dispatcher", 200),
        ("officer_a", 200),
        ("handler_y", 404),
        ("supervisor_e", 404),
        ("officer_c", 404),
        ("resident", 404),
    ],
)
def test_status_is_visible_to_those_who_see_the_case(api_as, cast, case, who, code):
    res = api_as(getattr(cast, who)).get(f"/api/v1/sla/cases/{case.pk}/")
    assert res.status_code == code
    if code == 200:
        body = res.json()
        assert body["stage"] == "handle" and body["status"] == "on_time" and body["extensions_left"] == 1
        assert body["deadline"].startswith("2026-11-23T15:00:00")


def test_anonymous_is_refused(api, case):
    assert api.get(f"/api/v1/sla/cases/{case.pk}/").status_code in (401, 403)


def test_suspension_round_trip(api_as, cast, case):
    res = api_as(cast.handler_x).post(
        f"/api/v1/sla/cases/{case.pk}/suspension/", {"reason": "等待产权单位"}, format="json"
    )
    assert res.status_code == 201, res.json()
    req_id = res.json()["id"]
    assert api_as(cast.handler_x).post(f"/api/v1/sla/requests/{req_id}/approve/").status_code == 403
    assert api_as(cast.supervisor_e).post(f"/api/v1/sla/requests/{req_id}/approve/").status_code == 404
    res = api_as(cast.supervisor_d).post(f"/api/v1/sla/requests/{req_id}/approve/", {"note": "同意"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "approved"
    assert api_as(cast.handler_x).get(f"/api/v1/sla/cases/{case.pk}/").json()["status"] == "suspended"
    res = api_as(cast.handler_x).post(f"/api/v1/sla/cases/{case.pk}/resume/")
    assert res.status_code == 200 and res.json()["is_suspended"] is False


def test_extension_errors_name_the_field(api_as, cast, case):
    res = api_as(cast.handler_x).post(
        f"/api/v1/sla/cases/{case.pk}/extension/", {"amount": 1, "unit": "weeks", "reason": "x"}, format="json"
    )
    assert res.status_code == 400 and "unit" in res.json()
    res = api_as(cast.handler_x).post(
        f"/api/v1/sla/cases/{case.pk}/extension/", {"amount": 2, "unit": "hours", "reason": "需要吊车"}, format="json"
    )
    assert res.status_code == 201
    res = api_as(cast.handler_x).post(
        f"/api/v1/sla/cases/{case.pk}/extension/", {"amount": 2, "unit": "hours", "reason": "再来"}, format="json"
    )
    assert res.status_code == 409
    req = ClockRequest.objects.get(case=case, kind="extension")
    res = api_as(cast.supervisor_d).post(f"/api/v1/sla/requests/{req.pk}/refuse/", {"note": "不同意"}, format="json")
    assert res.status_code == 200 and res.json()["status"] == "refused"


def test_unknown_request_is_404(api_as, cast, case):
    assert api_as(cast.supervisor_d).post("/api/v1/sla/requests/999999/approve/").status_code == 404


def test_supervisor_sees_pending_requests_in_scope_with_constant_queries(
    api_as, cast, case, dispatched_case, django_assert_max_num_queries
):
    from .conftest import local

    for h in (9, 10, 11):
        other = dispatched_case(local(2026, 11, 23, h, 5))
        api_as(cast.handler_x).post(f"/api/v1/sla/cases/{other.pk}/suspension/", {"reason": "等待"}, format="json")
    client = api_as(cast.supervisor_d)
    with django_assert_max_num_queries(5):
        res = client.get("/api/v1/sla/requests/?status=pending")
    assert res.status_code == 200 and res.json()["count"] == 3
    assert api_as(cast.supervisor_e).get("/api/v1/sla/requests/?status=pending").json()["count"] == 0


def test_a_resident_sees_the_time_limit_of_their_case_without_staff_names_or_remarks(api_as, cast, case):
    from apps.cases.models import Case

    Case.objects.filter(pk=case.pk).update(reporter=cast.resident)
    res = api_as(cast.handler_x).post(f"/api/v1/sla/cases/{case.pk}/suspension/", {"reason": "等待产权单位王经理"})
    assert res.status_code == 201 and res.json()["requested_by"] == cast.handler_x.display_name
    body = api_as(cast.resident).get(f"/api/v1/sla/cases/{case.pk}/").json()
    (request,) = body["requests"]
    assert request["requested_by"] is None and request["reason"] == "" and request["status"] == "pending"
    assert "王经理" not in str(body)
