"""Every action for every member of the cast, through the API: allowed → 200 and the case moves;
visible but not allowed → 403; not visible → 404; refused attempts change nothing."""

from __future__ import annotations

import pytest

from apps.cases.choices import CaseState
from apps.cases.models import CaseEvent
from apps.cases.workflow import TRANSITIONS, Action

from .conftest import jpeg

PEOPLE = [
    "officer_a",
    "officer_b",
    "handler_x",
    "handler_y",
    "dispatcher",
    "hotline",
    "supervisor_d",
    "supervisor_e",
    "resident",
    "resident2",
    "admin",
]

# The state each action is tried from, and who may take it on a case of cell A (department X,
# reported by `resident`).
START = {
    Action.REGISTER: CaseState.REPORTED,
    Action.REJECT: CaseState.REPORTED,
    Action.MERGE: CaseState.REPORTED,
    Action.DISPATCH: CaseState.REGISTERED,
    Action.ACCEPT: CaseState.DISPATCHED,
    Action.RETURN: CaseState.DISPATCHED,
    Action.RESOLVE: CaseState.IN_PROGRESS,
    Action.VERIFY_PASS: CaseState.RESOLVED,
    Action.VERIFY_FAIL: CaseState.RESOLVED,
    Action.REOPEN: CaseState.CLOSED,
    Action.SELF_HANDLE: CaseState.REPORTED,
}
ALLOWED = {
    Action.REGISTER: {"dispatcher", "supervisor_d", "admin"},
    Action.REJECT: {"dispatcher", "supervisor_d", "admin"},
    Action.MERGE: {"dispatcher", "supervisor_d", "admin"},
    Action.DISPATCH: {"dispatcher", "supervisor_d", "admin"},
    Action.ACCEPT: {"handler_x"},
    Action.RETURN: {"handler_x"},
    Action.RESOLVE: {"handler_x"},
    Action.VERIFY_PASS: {"officer_a", "dispatcher", "admin"},
    Action.VERIFY_FAIL: {"officer_a", "dispatcher", "admin"},
    Action.REOPEN: {"resident", "dispatcher", "hotline", "admin"},
    Action.SELF_HANDLE: {"officer_a"},
}


def visible(person: str, state: str) -> bool:
    if person in {"officer_a", "dispatcher", "hotline", "supervisor_d", "resident", "admin"}:
        return True
    # Department X sees the case once it was dispatched to it.
    return person == "handler_x" and state not in (CaseState.REPORTED, CaseState.REGISTERED)


def inputs(action, city, master):
    return {
        Action.REJECT: {"note": "重复上报"},
        Action.MERGE: {"merge_into": master.pk},
        Action.DISPATCH: {"department": city.dept_x.code},
        Action.RETURN: {"note": "不属于本部门"},
        Action.RESOLVE: {"note": "已清理完毕", "photos": [jpeg("after.jpg")]},
        Action.VERIFY_FAIL: {"note": "现场仍有垃圾"},
        Action.REOPEN: {"note": "问题又出现了"},
        Action.SELF_HANDLE: {"note": "现场已处理", "photos": [jpeg("after.jpg")]},
    }.get(action, {})


def test_matrix_covers_every_action():
    assert set(START) == set(TRANSITIONS) == set(ALLOWED)


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", list(Action))
def test_action_by_person(action, person, cast, city, case_in, report, api_as):
    case = case_in(START[action])
    master = report("a", description="同一堆垃圾，另一位居民上报")
    actor = getattr(cast, person)
    events_before = CaseEvent.objects.filter(case=case).count()
    url = f"/api/v1/cases/{case.pk}/{action.value.replace('_', '-')}/"

    response = api_as(actor).post(url, inputs(action, city, master), format="multipart")

    case.refresh_from_db()
    if not visible(person, START[action]):
        assert response.status_code == 404, response.content
    elif person in ALLOWED[action]:
        assert response.status_code == 200, response.content
        assert case.state == TRANSITIONS[action].to_state
        event = CaseEvent.objects.filter(case=case).latest("id")
        assert (event.action, event.actor_id, event.from_state) == (action.value, actor.pk, START[action])
        assert response.json()["state"] == case.state
        return
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "not_permitted"
    assert case.state == START[action]
    assert CaseEvent.objects.filter(case=case).count() == events_before
