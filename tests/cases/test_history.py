"""History is append-only: no update, no delete, not through the ORM, the API or the admin."""

from __future__ import annotations

import pytest

from apps.cases.models import CaseEvent


def test_event_cannot_be_changed_or_deleted(case_in):
    case = case_in("dispatched")
    event = case.events.first()
    event.note = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(case=case).update(note="rewritten")
    with pytest.raises(ValueError):
        CaseEvent.objects.filter(case=case).delete()
    assert not CaseEvent.objects.filter(note="rewritten").exists()
    assert case.events.count() == 3


def test_history_is_in_order_with_actor_role_and_states(case_in, cast):
    case = case_in("closed")
    rows = list(case.events.values_list("action", "from_state", "to_state", "actor_role"))
    assert rows == [
        ("report", "", "reported", "resident"),
        ("register", "reported", "registered", "dispatcher"),
        ("dispatch", "registered", "dispatched", "dispatcher"),
        ("accept", "dispatched", "in_progress", "handler"),
        ("resolve", "in_progress", "resolved", "handler"),
        ("verify_pass", "resolved", "closed", "officer"),
    ]
    resolve = case.events.get(action="resolve")
    assert resolve.note == "已清理" and len(resolve.data["photos"]) == 1


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_api_has_no_write_for_history_or_cases(api_as, cast, case_in, method):
    case = case_in("registered")
    response = getattr(api_as(cast.admin), method)(f"/api/v1/cases/{case.pk}/", {"state": "closed"}, format="json")
    assert response.status_code == 405
    case.refresh_from_db()
    assert case.state == "registered" and case.events.count() == 2


def test_admin_shows_history_read_only(client, cast, case_in):
    case = case_in("registered")
    event = case.events.first()
    client.force_login(cast.admin)
    assert client.get(f"/admin/cases/caseevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/admin/cases/caseevent/{event.pk}/change/", {"note": "x"})
    assert response.status_code == 403
    assert client.post(f"/admin/cases/caseevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/cases/caseevent/add/").status_code == 403
    response = client.post(f"/admin/cases/case/{case.pk}/change/", {"state": "closed"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "registered"
