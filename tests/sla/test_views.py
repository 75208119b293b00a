"""The SLA pages: asking for more time or a suspension on the case page, deciding from the queue
or the case page, through the cast's eyes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from apps.sla import services
from apps.sla.models import CaseClock, ClockRequest

from .conftest import local


@pytest.fixture
def client_as(client, cast):
    def make(user):
        client.logout()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages' own language is Chinese
        return client

    return make


@pytest.fixture
def case(dispatched_case, time_machine):
    """Dispatched to department X (handler_x) at 09:00; the handle stage is due at 15:00; now 10:00."""
    time_machine.move_to(local(2026, 11, 23, 10, 0), tick=False)
    return dispatched_case(local(2026, 11, 23, 9, 0))


def page(client, case) -> str:
    return client.get(reverse("workbench:case_detail", args=[case.pk])).content.decode()


def ask_more_time(client, case, follow=False, **data):
    payload = {"extension-amount": 2, "extension-unit": "hours", "extension-reason": "需要吊车", **data}
    return client.post(reverse("sla:extension_request", args=[case.pk]), payload, follow=follow)


def decide(client, req, decision, note="", back="queue", follow=False):
    prefix = f"decide-{req.pk}"
    payload = {f"{prefix}-decision": decision, f"{prefix}-note": note, f"{prefix}-back": back}
    return client.post(reverse("sla:request_decide", args=[req.pk]), payload, follow=follow)


def deadline(case):
    return CaseClock.objects.get(case=case).deadline


# --- asking on the case page -------------------------------------------------------------------


def test_handler_sees_the_time_limit_and_the_forms_to_ask(client_as, cast, case):
    html = page(client_as(cast.handler_x), case)
    assert 'id="sla"' in html and "2026-11-23 15:00" in html and "0 of 1 used" in html
    assert reverse("sla:extension_request", args=[case.pk]) in html
    assert reverse("sla:suspension_request", args=[case.pk]) in html
    assert reverse("sla:suspension_resume", args=[case.pk]) not in html  # the clock runs


def test_handler_asks_for_more_time_from_the_page_and_sees_it_pending(client_as, cast, case):
    client = client_as(cast.handler_x)
    response = ask_more_time(client, case)
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:case_detail", args=[case.pk])
    req = ClockRequest.objects.get(case=case)
    assert (req.kind, req.status, req.amount, req.unit, req.requested_by) == (
        "extension",
        "pending",
        2,
        "hours",
        cast.handler_x,
    )
    html = client.get(response["Location"]).content.decode()
    assert 'class="msg-success"' in html
    assert ">Pending<" in html and "需要吊车" in html
    # One waits already: no second form, and the page says why.
    assert reverse("sla:extension_request", args=[case.pk]) not in html
    assert "An extension request is already waiting for a decision." in html
    assert deadline(case) == local(2026, 11, 23, 15, 0)  # nothing moves before a decision


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_refused_input_is_shown_at_the_field_in_the_page_language(client_as, cast, case, lang):
    client = client_as(cast.handler_x)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    response = ask_more_time(client, case, **{"extension-amount": 400, "extension-unit": "days"})
    assert response.status_code == 400
    html = response.content.decode()
    with translation.override(lang):
        expected = translation.gettext(
            "Ask for at most %(max)s %(unit)s: no extension may be longer than %(days)s days."
        ) % {"max": 365, "unit": translation.gettext("days"), "days": 365}
    error = html.split('id="id_extension-amount_error"', 1)[1].split("</ul>", 1)[0]
    assert expected in error
    assert 'aria-describedby="id_extension-amount_error"' in html
    assert '<details class="action-form sla-extension" open>' in html  # the form stays open with the input
    assert 'value="400"' in html
    assert not ClockRequest.objects.filter(case=case).exists()


def test_a_second_request_while_one_waits_is_a_conflict_shown_on_the_form(client_as, cast, case):
    client = client_as(cast.handler_x)
    html_with_form = page(client, case)
    assert reverse("sla:extension_request", args=[case.pk]) in html_with_form
    services.extension_request(actor=cast.handler_x, case=case, amount=1, unit="hours", reason="先")
    response = ask_more_time(client, case, **{"extension-reason": "再来"})
    assert response.status_code == 409
    html = response.content.decode()
    assert (
        '<div class="alert error" role="alert"><p>An extension request is already waiting for a decision.</p>' in html
    )
    assert ClockRequest.objects.filter(case=case).count() == 1


def test_who_may_not_ask_gets_403_before_the_input_is_read(client_as, cast, case):
    for who in (cast.supervisor_d, cast.hotline):
        response = client_as(who).post(reverse("sla:extension_request", args=[case.pk]), {})
        assert response.status_code == 403
        assert (
            "Only the staff working on a case (its handler, grid officer or dispatcher) can ask for this."
            in response.content.decode()
        )
    assert reverse("sla:extension_request", args=[case.pk]) not in page(client_as(cast.supervisor_d), case)
    assert not ClockRequest.objects.filter(case=case).exists()


def test_a_case_out_of_scope_is_404(client_as, cast, case):
    response = ask_more_time(client_as(cast.handler_y), case)
    assert response.status_code == 404
    assert not ClockRequest.objects.filter(case=case).exists()


def test_the_page_says_why_no_more_time_can_be_asked_for(client_as, cast, case, time_machine):
    time_machine.move_to(local(2026, 11, 23, 15, 30), tick=False)  # past the deadline
    html = page(client_as(cast.handler_x), case)
    assert reverse("sla:extension_request", args=[case.pk]) not in html
    assert "The deadline has passed: an extension must be asked for before it." in html
    assert reverse("sla:suspension_request", args=[case.pk]) in html  # a suspension may still be asked


# --- deciding ---------------------------------------------------------------------------------


def test_supervisor_of_the_area_approves_from_the_queue_and_the_deadline_moves(client_as, cast, case):
    ask_more_time(client_as(cast.handler_x), case)
    req = ClockRequest.objects.get(case=case)
    client = client_as(cast.supervisor_d)
    queue = client.get(reverse("sla:queue")).content.decode()
    assert case.tracking_code in queue and "需要吊车" in queue and cast.handler_x.display_name in queue
    assert reverse("sla:request_decide", args=[req.pk]) in queue
    response = decide(client, req, "approve", note="同意")
    assert response.status_code == 302 and response["Location"] == reverse("sla:queue")
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == ("approved", cast.supervisor_d, "同意")
    assert deadline(case) == local(2026, 11, 23, 17, 0)
    after = client.get(reverse("sla:queue")).content.decode()
    assert "Extension approved for case" in after and "2026-11-23 17:00" in after
    assert reverse("sla:request_decide", args=[req.pk]) not in after
    html = page(client_as(cast.handler_x), case)
    assert "2026-11-23 17:00" in html and "1 of 1 used" in html and "同意" in html
    assert "This case has had all the extensions its policy allows." in html


def test_refusing_leaves_the_deadline(client_as, cast, case):
    req = services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    response = decide(client_as(cast.supervisor_d), req, "refuse", note="人手足够")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "refused" and deadline(case) == local(2026, 11, 23, 15, 0)


def test_supervisor_of_another_area_can_neither_see_nor_decide(client_as, cast, case):
    req = services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    client = client_as(cast.supervisor_e)
    queue = client.get(reverse("sla:queue"))
    assert queue.status_code == 200 and case.tracking_code not in queue.content.decode()
    assert client.get(reverse("workbench:case_detail", args=[case.pk])).status_code == 404
    assert decide(client, req, "approve").status_code == 404
    assert decide(client, req, "approve", back="case").status_code == 404
    req.refresh_from_db()
    assert req.status == "pending" and deadline(case) == local(2026, 11, 23, 15, 0)


def test_who_may_not_decide_gets_403(client_as, cast, case):
    req = services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    client = client_as(cast.handler_x)
    assert client.get(reverse("sla:queue")).status_code == 403
    assert decide(client, req, "approve").status_code == 403
    response = decide(client, req, "approve", back="case")
    assert response.status_code == 403 and "Only a supervisor of the area can decide this." in response.content.decode()
    assert reverse("sla:request_decide", args=[req.pk]) not in page(client, case)
    req.refresh_from_db()
    assert req.status == "pending"


def test_a_request_decided_meanwhile_says_so(client_as, cast, case):
    req = services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    services.extension_refuse(actor=cast.admin, request_id=req.pk)
    response = decide(client_as(cast.supervisor_d), req, "approve")
    assert response.status_code == 409
    assert "This request has already been decided." in response.content.decode()
    assert deadline(case) == local(2026, 11, 23, 15, 0)


def test_suspension_asked_approved_on_the_case_page_and_resumed(client_as, cast, case, time_machine):
    handler = client_as(cast.handler_x)
    response = handler.post(reverse("sla:suspension_request", args=[case.pk]), {"suspension-reason": "等待产权单位"})
    assert response.status_code == 302
    req = ClockRequest.objects.get(case=case, kind="suspension")

    supervisor = client_as(cast.supervisor_d)
    html = page(supervisor, case)
    assert reverse("sla:request_decide", args=[req.pk]) in html and 'value="case"' in html
    response = decide(supervisor, req, "approve", back="case")
    assert response["Location"] == reverse("workbench:case_detail", args=[case.pk])
    assert CaseClock.objects.get(case=case).is_suspended

    time_machine.move_to(local(2026, 11, 23, 11, 0), tick=False)  # an hour stands still
    handler = client_as(cast.handler_x)
    html = page(handler, case)
    assert "Suspended since" in html and reverse("sla:suspension_resume", args=[case.pk]) in html
    assert reverse("sla:suspension_request", args=[case.pk]) not in html
    response = handler.post(reverse("sla:suspension_resume", args=[case.pk]), {"resume-note": "产权单位已到场"})
    assert response.status_code == 302
    assert deadline(case) == local(2026, 11, 23, 15, 0) + timedelta(hours=1)


def test_the_navigation_and_dashboard_show_the_count_to_those_who_decide(client_as, cast, case):
    services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    html = client_as(cast.supervisor_d).get(reverse("workbench:dashboard")).content.decode()
    assert reverse("sla:queue") in html
    assert '<span class="nav-count">1</span>' in html and "1 request waiting for a decision" in html
    html = client_as(cast.supervisor_e).get(reverse("workbench:dashboard")).content.decode()
    assert "0 requests waiting for a decision" in html and 'class="nav-count"' not in html
    assert reverse("sla:queue") not in client_as(cast.handler_x).get(reverse("workbench:dashboard")).content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_the_queue_runs_a_constant_number_of_queries(
    client_as, cast, dispatched_case, time_machine, n, django_assert_max_num_queries
):
    time_machine.move_to(local(2026, 11, 23, 10, 0), tick=False)
    for i in range(n):
        other = dispatched_case(local(2026, 11, 23, 9, i))
        services.extension_request(actor=cast.handler_x, case=other, amount=1, unit="hours", reason=f"原因{i}")
        services.suspension_request(actor=cast.officer_a, case=other, reason=f"挂起{i}")
    client = client_as(cast.supervisor_d)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("sla:queue"))
    html = response.content.decode()
    assert html.count('class="decision-form"') == 2 * n
    assert f'<span class="nav-count">{2 * n}</span>' in html


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_pages_render_in_both_languages(client_as, cast, case, lang):
    services.extension_request(actor=cast.handler_x, case=case, amount=2, unit="hours", reason="需要吊车")
    client = client_as(cast.supervisor_d)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    with translation.override(lang):
        title = translation.gettext("Requests waiting for a decision")
        panel = translation.gettext("Time limit")
    assert title in client.get(reverse("sla:queue")).content.decode()
    assert panel in page(client, case)
