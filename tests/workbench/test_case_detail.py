"""The case detail page and its action forms: posting moves the case through `case_transition`;
a refused action changes nothing and says why."""

from django.urls import reverse

from apps.cases.choices import CaseState, PhotoKind
from apps.cases.models import CaseEvent

from .helpers import advance, png, report, unresolved_describedby


def act(client, case, action, follow=False, **data):
    payload = {f"{action}-{k}": v for k, v in data.items()}
    payload.setdefault(f"{action}-expected_version", case.version)
    return client.post(reverse("workbench:case_act", args=[case.pk, action]), payload, follow=follow)


def events(case, action):
    return CaseEvent.objects.filter(case=case, action=action).count()


def test_dispatcher_sees_one_form_per_available_action(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    html = client_as(cast.dispatcher).get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    for action in ("register", "reject", "merge"):
        assert reverse("workbench:case_act", args=[case.pk, action]) in html
    assert reverse("workbench:case_act", args=[case.pk, "accept"]) not in html


def test_officer_of_the_cell_is_offered_no_dispatcher_actions(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    html = client_as(cast.officer_a).get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    assert reverse("workbench:case_act", args=[case.pk, "register"]) not in html
    assert reverse("workbench:case_act", args=[case.pk, "self_handle"]) in html


def test_registering_moves_the_case_and_writes_history(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = act(client_as(cast.dispatcher), case, "register", note="属实")
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    event = CaseEvent.objects.filter(case=case, action="register").get()
    assert event.actor == cast.dispatcher and event.to_state == CaseState.REGISTERED and event.note == "属实"


def test_the_done_message_is_a_status_that_keeps_its_list(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    html = act(client_as(cast.dispatcher), case, "register", note="属实", follow=True).content.decode()
    assert '<div role="status"><ul class="messages"><li class="msg-success">' in html


def test_dispatching_to_a_department(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.REGISTERED)
    act(client_as(cast.dispatcher), case, "dispatch", department=city.dept_x.pk)
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.department == city.dept_x
    assert events(case, "dispatch") == 1


def test_dispatch_without_department_or_officer_is_refused_next_to_the_field(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.REGISTERED)
    response = act(client_as(cast.dispatcher), case, "dispatch")
    assert response.status_code == 400
    assert "Choose a department or an officer." in response.content.decode() or "errorlist" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and events(case, "dispatch") == 0


def test_an_action_form_error_is_linked_to_its_field(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    html = act(client_as(cast.dispatcher), case, "reject", note="  ").content.decode()
    assert 'aria-describedby="id_reject-note_error"' in html and 'id="id_reject-note_error"' in html
    assert unresolved_describedby(html) == []


def test_rejecting_without_a_reason_changes_nothing(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = act(client_as(cast.dispatcher), case, "reject", note="  ")
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED and events(case, "reject") == 0


def test_an_action_the_role_may_not_take_shows_an_error_and_changes_nothing(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = act(client_as(cast.officer_a), case, "register")
    assert response.status_code == 403
    assert 'class="msg-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED and events(case, "register") == 0


def test_a_refused_action_is_403_before_its_inputs_are_read(client_as, cast, cats):
    """An officer may not reject: an empty reason must not turn that into a form error (400)."""
    case = report(cats["garbage"], actor=cast.resident)
    for note in ("", "x"):
        response = act(client_as(cast.officer_a), case, "reject", note=note)
        assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED and events(case, "reject") == 0


def test_a_stale_form_is_a_conflict_and_changes_nothing(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    stale_version = case.version
    client = client_as(cast.dispatcher)
    act(client, case, "register")
    case.refresh_from_db()
    response = client.post(
        reverse("workbench:case_act", args=[case.pk, "reject"]),
        {"reject-note": "重复", "reject-expected_version": stale_version},
    )
    assert response.status_code in (400, 409)
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and events(case, "reject") == 0


def test_handler_resolves_with_an_after_photo(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.IN_PROGRESS)
    client = client_as(cast.handler_x)
    response = client.post(
        reverse("workbench:case_act", args=[case.pk, "resolve"]),
        {"resolve-note": "已清运", "resolve-expected_version": case.version, "resolve-photos": [png("done.png")]},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    assert case.photos.filter(kind=PhotoKind.AFTER).count() == 1
    html = client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    assert "已清运" in html and "<img" in html


def test_resolving_without_a_photo_is_refused(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.IN_PROGRESS)
    response = act(client_as(cast.handler_x), case, "resolve", note="已清运")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS and events(case, "resolve") == 0


def test_officer_verifies_a_resolved_case_in_their_cell(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.RESOLVED)
    act(client_as(cast.officer_a), case, "verify_pass")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and events(case, "verify_pass") == 1


def test_dispatcher_sees_duplicates_and_merges_one(client_as, cast, cats):
    master = report(cats["garbage"], actor=cast.resident)
    duplicate = report(cats["garbage"], actor=cast.resident2, description="又有人倒垃圾")
    client = client_as(cast.dispatcher)
    html = client.get(reverse("workbench:case_detail", args=[duplicate.pk])).content.decode()
    assert master.tracking_code in html
    response = act(client, duplicate, "merge", merge_into=master.tracking_code)
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.state == CaseState.REJECTED and duplicate.merged_into == master


def test_merging_into_an_unknown_code_is_refused(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = act(client_as(cast.dispatcher), case, "merge", merge_into="NOPE12345678")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_history_lists_every_event_with_who_did_it(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.DISPATCHED)
    html = client_as(cast.supervisor_d).get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
    assert html.count('class="event-') == CaseEvent.objects.filter(case=case).count()
    assert cast.dispatcher.display_name in html


class TestContact:
    def make(self, cats, cast):
        return report(cats["garbage"], actor=None, reporter_name="张三丰", reporter_phone="13712345678")

    def test_staff_see_the_contact_masked(self, client_as, cast, cats):
        case = self.make(cats, cast)
        for who in (cast.dispatcher, cast.officer_a, cast.supervisor_d):
            html = client_as(who).get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
            assert "13712345678" not in html and "张三丰" not in html
            assert "137****5678" in html

    def test_dispatcher_reveals_the_contact_and_it_is_recorded(self, client_as, cast, cats):
        case = self.make(cats, cast)
        client = client_as(cast.dispatcher)
        html = client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
        assert reverse("workbench:case_contact", args=[case.pk]) in html
        response = client.post(reverse("workbench:case_contact", args=[case.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "13712345678" in response.content.decode() and "<html" not in response.content.decode()
        assert events(case, "contact_viewed") == 1

    def test_reveal_without_htmx_renders_the_whole_page(self, client_as, cast, cats):
        case = self.make(cats, cast)
        response = client_as(cast.hotline).post(reverse("workbench:case_contact", args=[case.pk]))
        assert response.status_code == 200 and "13712345678" in response.content.decode()
        assert "<html" in response.content.decode()

    def test_an_officer_cannot_reveal_it(self, client_as, cast, cats):
        case = self.make(cats, cast)
        client = client_as(cast.officer_a)
        html = client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()
        assert reverse("workbench:case_contact", args=[case.pk]) not in html
        response = client.post(reverse("workbench:case_contact", args=[case.pk]))
        assert response.status_code == 403
        assert "13712345678" not in response.content.decode()
        assert events(case, "contact_viewed") == 0


def _queue_html(client):
    html = client.get(reverse("workbench:dashboard")).content.decode()
    return html[html.index("<h2>") :]  # the queue section, after the counts


def test_dashboard_queues_show_what_waits_for_each_role(client_as, cast, city, cats):
    new = report(cats["garbage"], actor=cast.resident)
    dispatched = advance(report(cats["garbage"], actor=cast.resident2), cast, city, CaseState.DISPATCHED)
    resolved = advance(report(cats["garbage"], actor=cast.resident2), cast, city, CaseState.RESOLVED)
    dispatcher_q = _queue_html(client_as(cast.dispatcher))
    assert new.tracking_code in dispatcher_q and dispatched.tracking_code not in dispatcher_q
    handler_q = _queue_html(client_as(cast.handler_x))
    assert dispatched.tracking_code in handler_q and new.tracking_code not in handler_q
    officer_q = _queue_html(client_as(cast.officer_a))
    assert resolved.tracking_code in officer_q and new.tracking_code in officer_q
    assert dispatched.tracking_code not in officer_q
    assert resolved.tracking_code not in _queue_html(client_as(cast.officer_b))


def test_supervisor_queue_shows_escalated_cases_of_their_area(client_as, cast, city, cats):
    from datetime import timedelta

    from django.utils import timezone

    from apps.sla.models import CaseClock

    calm = report(cats["garbage"], actor=cast.resident)
    late = report(cats["garbage"], actor=cast.resident2)
    CaseClock.objects.update_or_create(
        case=late,
        defaults={"escalation_level": 1, "stage": "register", "deadline": timezone.now() - timedelta(hours=1)},
    )
    CaseClock.objects.filter(case=calm).update(escalation_level=0, warned=False, deadline=None)
    html = _queue_html(client_as(cast.supervisor_d))
    assert late.tracking_code in html and calm.tracking_code not in html
    assert "sla-escalated" in html
    assert late.tracking_code not in _queue_html(client_as(cast.supervisor_e))


def test_supervisor_queue_leaves_out_a_suspended_case_whose_old_deadline_passed(client_as, cast, city, cats):
    """A suspended clock keeps its pre-pause deadline until it resumes: that is not lateness."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.sla.models import CaseClock

    paused = report(cats["garbage"], actor=cast.resident)
    late = report(cats["garbage"], actor=cast.resident2)
    past = timezone.now() - timedelta(hours=1)
    CaseClock.objects.filter(case=paused).update(
        escalation_level=0, warned=False, deadline=past, is_suspended=True, running_since=None
    )
    CaseClock.objects.filter(case=late).update(escalation_level=0, warned=False, deadline=past)
    html = _queue_html(client_as(cast.supervisor_d))
    assert late.tracking_code in html and paused.tracking_code not in html


def test_dispatch_form_proposes_the_categorys_department(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.REGISTERED)
    response = client_as(cast.dispatcher).get(reverse("workbench:case_detail", args=[case.pk]))
    dispatch = next(item for item in response.context["action_forms"] if item["action"] == "dispatch")
    assert dispatch["form"]["department"].value() == city.dept_x.pk


def test_each_action_that_needs_a_note_asks_its_own_question():
    """The note field says what it is for (a rejection's reason, what a resolution did), not a
    generic 'note' that a handler must interpret."""
    from apps.cases.workflow import TRANSITIONS, Requirement
    from apps.workbench.forms import NOTE_LABELS, ActionForm

    for action, transition in TRANSITIONS.items():
        form = ActionForm(action=action, requires=transition.requires)
        if Requirement.NOTE in transition.requires:
            assert form.fields["note"].required
            assert form.fields["note"].label == NOTE_LABELS[action], action
        else:
            assert not form.fields["note"].required, action


def test_an_action_on_a_case_in_another_state_says_which_state(client_as, cast, city, cats):
    """Not 'someone else changed it' (nobody did): the case is simply not registered yet."""
    case = report(cats["garbage"], actor=cast.resident)
    client = client_as(cast.dispatcher)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = act(client, case, "dispatch", department=city.dept_x.pk)
    page = response.content.decode()
    assert response.status_code == 409
    assert "The case is Reported now" in page and "Someone else changed" not in page
