"""Reporter contact: masked for staff, full only through a recorded reveal, never for others."""

from __future__ import annotations

import pytest

from apps.cases import selectors, services
from apps.cases.selectors import mask_name, mask_phone
from gridops.errors import NotPermitted


def test_masks():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("") == mask_name("") == ""


@pytest.mark.parametrize("person", ["officer_a", "supervisor_d", "admin", "dispatcher", "hotline"])
def test_staff_see_masked_contact(person, cast, report):
    case = report()
    contact = selectors.case_contact_for_user(user=getattr(cast, person), case=case)
    assert (contact["name"], contact["phone"], contact["masked"]) == ("张*", "138****8000", True)
    assert contact["can_reveal"] is (person in ("dispatcher", "hotline"))


def test_reporter_sees_their_own_details(cast, report):
    contact = selectors.case_contact_for_user(user=cast.resident, case=report())
    assert (contact["name"], contact["phone"]) == ("张三", "13800138000")


@pytest.mark.parametrize("person", ["dispatcher", "hotline"])
def test_reveal_is_recorded_in_history(person, api_as, cast, report):
    case = report()
    response = api_as(getattr(cast, person)).post(f"/api/v1/cases/{case.pk}/contact/reveal/")
    assert response.status_code == 200
    assert response.json()["phone"] == "13800138000"
    event = case.events.get(action="contact_viewed")
    assert event.actor == getattr(cast, person)
    assert "13800138000" not in str(event.data) and "张三" not in event.note


@pytest.mark.parametrize("person", ["officer_a", "supervisor_d", "admin", "resident"])
def test_other_roles_cannot_reveal(person, cast, report, api_as):
    case = report()
    with pytest.raises(NotPermitted):
        services.case_contact_reveal(case=case, actor=getattr(cast, person))
    assert api_as(getattr(cast, person)).post(f"/api/v1/cases/{case.pk}/contact/reveal/").status_code == 403
    assert not case.events.filter(action="contact_viewed").exists()


def test_contact_is_not_in_lists(api_as, cast, report):
    report()
    text = api_as(cast.dispatcher).get("/api/v1/cases/").content.decode()
    assert "13800138000" not in text and "张三" not in text


def test_personal_data_is_not_logged(caplog, cast, case_in):
    import logging

    with caplog.at_level(logging.DEBUG):
        case = case_in("closed", reporter_name="赵六", reporter_phone="13512345678")
        services.case_contact_reveal(case=case, actor=cast.dispatcher)
    assert "赵六" not in caplog.text and "13512345678" not in caplog.text


def test_rating_by_the_reporter_after_closing(api_as, cast, case_in, report):
    case = case_in("closed")
    response = api_as(cast.resident).post(
        f"/api/v1/cases/{case.pk}/rate/", {"rating": 5, "comment": "很快"}, format="json"
    )
    assert response.status_code == 200 and response.json()["rating"] == 5
    assert api_as(cast.resident).post(f"/api/v1/cases/{case.pk}/rate/", {"rating": 4}, format="json").status_code == 409
    assert (
        api_as(cast.dispatcher).post(f"/api/v1/cases/{case.pk}/rate/", {"rating": 1}, format="json").status_code == 403
    )
    open_case = report()
    assert (
        api_as(cast.resident).post(f"/api/v1/cases/{open_case.pk}/rate/", {"rating": 3}, format="json").status_code
        == 409
    )
