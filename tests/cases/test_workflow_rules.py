"""Workflow rules beyond the matrix: buttons match permissions, the reopen window, required inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.cases import selectors, services
from apps.cases.choices import CaseState
from apps.cases.workflow import TRANSITIONS, Action
from gridops.errors import Conflict, DomainError, NotPermitted

from .conftest import jpeg
from .test_workflow_matrix import ALLOWED, PEOPLE, visible


@pytest.mark.parametrize("state", [s for s in CaseState.values if s != CaseState.REJECTED])
def test_actions_offered_are_exactly_those_permitted(state, cast, case_in):
    case = case_in(state)
    for person in PEOPLE:
        if not visible(person, state):
            continue
        offered = selectors.case_actions_for_user(user=getattr(cast, person), case=case)
        # an action may start from several states (reject and merge: reported or registered)
        expected = [a.value for a in Action if state in TRANSITIONS[a].from_states and person in ALLOWED[a]]
        # a closed case offers reopen only to the reporter's side, a reported one self-handle only to its officer
        assert sorted(offered) == sorted(expected), (person, state)


def test_anonymous_report_has_no_reporter_account(report):
    case = report(by=AnonymousUser(), reporter_name="", reporter_phone="")
    assert case.reporter is None and case.created_by is None
    assert case.events.get().actor is None


def test_reopen_only_within_the_window(cast, case_in, settings):
    settings.GRIDOPS_REOPEN_WINDOW_DAYS = 7
    case = case_in("closed")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert "reopen" not in selectors.case_actions_for_user(user=cast.resident, case=case)
        with pytest.raises(NotPermitted):
            services.case_transition(case=case, actor=cast.resident, action="reopen", note="还是脏")
    services.case_transition(case=case, actor=cast.resident, action="reopen", note="还是脏")
    assert (case.state, case.reopen_count, case.closed_at) == (CaseState.REGISTERED, 1, None)


def test_reopened_case_goes_round_again(cast, city, case_in):
    case = case_in("closed")
    services.case_transition(case=case, actor=cast.hotline, action="reopen", note="来电反映又脏了")
    services.case_transition(case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x)
    services.case_transition(case=case, actor=cast.handler_x, action="accept")
    services.case_transition(case=case, actor=cast.handler_x, action="resolve", note="再次清理", photos=[jpeg()])
    services.case_transition(case=case, actor=cast.officer_a, action="verify_pass")
    assert (case.state, case.reopen_count) == (CaseState.CLOSED, 1)


def test_verify_fail_sends_the_case_back_to_the_handler(cast, case_in):
    case = case_in("resolved")
    services.case_transition(case=case, actor=cast.officer_a, action="verify_fail", note="仍有垃圾")
    assert (case.state, case.assignee, case.resolved_at) == (CaseState.DISPATCHED, cast.handler_x, None)


def test_return_clears_the_department(cast, case_in):
    case = case_in("in_progress")
    services.case_transition(case=case, actor=cast.handler_x, action="return", note="应由道路部门处理")
    assert (case.state, case.department, case.assignee) == (CaseState.REGISTERED, None, None)


def test_dispatch_to_a_handler_of_another_department_is_refused(cast, city, case_in):
    case = case_in("registered")
    with pytest.raises(DomainError) as err:
        services.case_transition(
            case=case, actor=cast.dispatcher, action="dispatch", department=city.dept_x, assignee=cast.handler_y
        )
    assert err.value.field == "assignee"
    with pytest.raises(DomainError) as err:
        services.case_transition(case=case, actor=cast.dispatcher, action="dispatch", assignee=cast.resident)
    assert err.value.field == "assignee"


def test_action_from_the_wrong_state_is_a_conflict_and_changes_nothing(cast, case_in):
    case = case_in("registered")
    with pytest.raises(Conflict):
        services.case_transition(case=case, actor=cast.dispatcher, action="register")
    case.refresh_from_db()
    assert (case.state, case.version, case.events.count()) == (CaseState.REGISTERED, 1, 2)


def test_unknown_action_names_the_field(cast, report):
    with pytest.raises(DomainError) as err:
        services.case_transition(case=report(), actor=cast.dispatcher, action="teleport")
    assert err.value.field == "action"


def test_transition_hooks_get_each_step(monkeypatch, cast, report):
    case = report()
    seen = []
    monkeypatch.setattr(services, "clock_on_transition", lambda **kw: seen.append((kw["action"], kw["to_state"])))
    monkeypatch.setattr(services, "notify_case_event", lambda **kw: seen.append(("event", kw["event"].action)))
    services.case_transition(case=case, actor=cast.dispatcher, action="register")
    assert seen == [("register", "registered"), ("event", "register")]


def test_every_transition_has_a_translatable_description():
    for transition in TRANSITIONS.values():
        assert str(transition.description)
        assert transition.from_states and transition.to_state and transition.roles
