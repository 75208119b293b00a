"""Tracking a report by its code (public: no personal data), "my reports", rating and reopening."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.choices import CaseState
from apps.cases.workflow import Action
from tests.portal.conftest import page_text
from tests.workbench.helpers import advance, report, unresolved_describedby

NAME, PHONE = "王秀英", "13598765432"


@pytest.fixture
def anonymous_case(cats):
    return report(cats["garbage"], actor=None, reporter_name=NAME, reporter_phone=PHONE)


def test_track_form_finds_a_code_typed_loosely(client_as, cast, anonymous_case):
    code = anonymous_case.tracking_code
    response = client_as(None).get(reverse("portal:track"), {"code": f" {code[:4].lower()} {code[4:]} "})
    assert response.status_code == 302 and response["Location"] == reverse("portal:track_case", args=[code])


def test_track_form_with_an_unknown_code_says_so(client_as, cast):
    response = client_as(None).get(reverse("portal:track"), {"code": "ZZZZZZZZZZZZ"})
    assert response.status_code == 404 and response.context["form"].errors["code"]


def test_track_form_error_is_announced_and_linked_to_the_field(client_as, cast):
    html = client_as(None).get(reverse("portal:track"), {"code": "ZZZZZZZZZZZZ"}).content.decode()
    assert 'role="alert"' in html
    assert 'aria-describedby="id_code_helptext id_code_error"' in html and 'id="id_code_error"' in html
    assert unresolved_describedby(html) == []


def test_track_form_takes_a_code_typed_one_character_at_a_time(client_as, cast, anonymous_case):
    """Read aloud and typed by an older resident: spaces or dashes between all twelve characters."""
    code = anonymous_case.tracking_code
    typed = " ".join(code[:6].lower()) + " - " + " ".join(code[6:])
    assert len(typed) > 16
    response = client_as(None).get(reverse("portal:track"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == reverse("portal:track_case", args=[code])


def test_track_form_shows_what_a_code_looks_like(client, cast):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("portal:track")).content.decode()
    assert 'aria-describedby="id_code_helptext"' in html and "Spaces and small letters do not matter." in html


def test_unknown_code_page_is_404(client_as, cast):
    assert client_as(None).get(reverse("portal:track_case", args=["ZZZZZZZZZZZZ"])).status_code == 404


def test_tracking_shows_progress_without_personal_data(client_as, cast, city, anonymous_case):
    case = advance(anonymous_case, cast, city, CaseState.RESOLVED)
    case_services.case_contact_reveal(case=case, actor=cast.dispatcher)
    response = client_as(None).get(reverse("portal:track_case", args=[case.tracking_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert NAME not in html and PHONE not in html and PHONE[-4:] not in html
    for person in (cast.dispatcher, cast.handler_x, cast.officer_a):
        assert person.display_name not in html and person.username not in html
    assert "state-resolved" in html
    assert "已清理" in html  # the handler's public note on resolving
    assert "<img" in html  # the photo of the result
    assert "contact_viewed" not in html and "Contact details viewed" not in html


def test_tracking_keeps_internal_notes_private(client_as, cast, city, anonymous_case):
    case = advance(anonymous_case, cast, city, CaseState.IN_PROGRESS)
    case_services.case_transition(case=case, actor=cast.handler_x, action=Action.RETURN, note="内部：不归我们管")
    html = client_as(None).get(reverse("portal:track_case", args=[case.tracking_code])).content.decode()
    assert "内部：不归我们管" not in html


def test_my_reports_lists_only_my_own(client_as, cast, cats):
    mine = report(cats["garbage"], actor=cast.resident)
    theirs = report(cats["garbage"], actor=cast.resident2)
    text = page_text(client_as(cast.resident).get(reverse("portal:my_reports")))
    assert mine.tracking_code in text and theirs.tracking_code not in text


def test_my_reports_needs_a_login(client_as, cast):
    response = client_as(None).get(reverse("portal:my_reports"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_someone_elses_report_is_404(client_as, cast, cats):
    theirs = report(cats["garbage"], actor=cast.resident2)
    client = client_as(cast.resident)
    assert client.get(reverse("portal:my_report", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("portal:rate", args=[theirs.pk]), {"rating": 5}).status_code == 404
    assert client.post(reverse("portal:reopen", args=[theirs.pk]), {"note": "x"}).status_code == 404


def test_a_merged_report_shows_the_masters_progress(client_as, cast, city, cats):
    master = advance(report(cats["garbage"], actor=cast.resident2), cast, city, CaseState.DISPATCHED)
    mine = report(cats["garbage"], actor=cast.resident)
    case_services.case_transition(case=mine, actor=cast.dispatcher, action=Action.MERGE, merge_into=master)
    client = client_as(cast.resident)
    listing = client.get(reverse("portal:my_reports")).content.decode()
    assert "state-dispatched" in listing
    html = client.get(reverse("portal:my_report", args=[mine.pk])).content.decode()
    assert master.tracking_code in html and "state-dispatched" in html
    public = client_as(None).get(reverse("portal:track_case", args=[mine.tracking_code])).content.decode()
    assert "state-dispatched" in public


def test_resident_rates_a_closed_report_once(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    client = client_as(cast.resident)
    html = client.get(reverse("portal:my_report", args=[case.pk])).content.decode()
    assert reverse("portal:rate", args=[case.pk]) in html
    response = client.post(reverse("portal:rate", args=[case.pk]), {"rating": 4, "comment": "很快"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rating == 4 and case.rating_comment == "很快"
    html = client.get(reverse("portal:my_report", args=[case.pk])).content.decode()
    assert reverse("portal:rate", args=[case.pk]) not in html
    again = client.post(reverse("portal:rate", args=[case.pk]), {"rating": 1})
    assert again.status_code == 400
    case.refresh_from_db()
    assert case.rating == 4
    # The rating is in the public progress without a state of its own (it changes none).
    public = client_as(None).get(reverse("portal:track_case", args=[case.tracking_code]))
    timeline = [entry for entry in public.context["timeline"] if entry["action"] == "rate"]
    assert len(timeline) == 1 and timeline[0]["to_state"] == ""
    assert public.content.decode().count("state-reported") == 1  # the report's own entry only


def test_rating_an_open_report_is_refused(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    response = client_as(cast.resident).post(reverse("portal:rate", args=[case.pk]), {"rating": 5})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.rating is None


def test_resident_reopens_within_the_window(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    client = client_as(cast.resident)
    assert (
        reverse("portal:reopen", args=[case.pk])
        in client.get(reverse("portal:my_report", args=[case.pk])).content.decode()
    )
    response = client.post(reverse("portal:reopen", args=[case.pk]), {"note": "垃圾又堆起来了"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED and case.reopen_count == 1
    assert case.events.filter(action="reopen", actor=cast.resident).count() == 1


def test_reopen_needs_a_reason(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    response = client_as(cast.resident).post(reverse("portal:reopen", args=[case.pk]), {"note": ""})
    assert response.status_code == 400 and response.context["reopen_form"].errors["note"]
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_rating_error_is_linked_to_the_choices(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    response = client_as(cast.resident).post(reverse("portal:rate", args=[case.pk]), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<fieldset class="radios" aria-describedby="id_rating_error">' in html and 'id="id_rating_error"' in html
    assert unresolved_describedby(html) == []


def test_reopen_after_the_window_is_refused(client_as, cast, city, cats, settings):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    later = timezone.now() + dt.timedelta(days=settings.GRIDOPS_REOPEN_WINDOW_DAYS + 1)
    client = client_as(cast.resident)
    with time_machine.travel(later, tick=False):
        html = client.get(reverse("portal:my_report", args=[case.pk])).content.decode()
        assert reverse("portal:reopen", args=[case.pk]) not in html
        response = client.post(reverse("portal:reopen", args=[case.pk]), {"note": "还是没修好"})
    assert response.status_code == 400 and response.context["reopen_form"].errors
    # It says why: the time has passed (not a generic "you may not").
    assert str(settings.GRIDOPS_REOPEN_WINDOW_DAYS) in " ".join(response.context["reopen_form"].non_field_errors())
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.reopen_count == 0


def test_a_merged_report_shows_nobodys_contact_details(client_as, cast, city, cats):
    """The master was filed by someone else: following it must not show their name or phone either."""
    master = report(cats["garbage"], actor=None, reporter_name=NAME, reporter_phone=PHONE)
    mine = report(cats["garbage"], actor=None, reporter_name="李建国", reporter_phone="13711112222")
    case_services.case_transition(case=mine, actor=cast.dispatcher, action=Action.MERGE, merge_into=master)
    html = client_as(None).get(reverse("portal:track_case", args=[mine.tracking_code])).content.decode()
    assert master.tracking_code in html
    for secret in (NAME, PHONE, PHONE[-4:], "李建国", "13711112222", "2222"):
        assert secret not in html


def test_reopen_form_warns_that_the_reason_is_public(client_as, cast, city, cats):
    case = advance(report(cats["garbage"], actor=cast.resident), cast, city, CaseState.CLOSED)
    client = client_as(cast.resident)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("portal:my_report", args=[case.pk])).content.decode()
    assert 'aria-describedby="id_note_helptext"' in html
    assert "Anyone with the tracking code can read this" in html
    # Which is true: the reason is on the public page.
    client.post(reverse("portal:reopen", args=[case.pk]), {"note": "垃圾又堆起来了"})
    assert (
        "垃圾又堆起来了"
        in client_as(None).get(reverse("portal:track_case", args=[case.tracking_code])).content.decode()
    )


@pytest.mark.parametrize(
    "page", ["portal:home", "portal:track", "portal:track_case", "portal:thanks", "portal:my_reports", "login"]
)
def test_resident_pages_use_the_large_target_layout(client_as, cast, anonymous_case, page):
    """The 44 px targets (top bar and language switch included) and 16 px minimum text are styled
    for body.portal: a resident page without it falls back to the staff sizes."""
    args = [anonymous_case.tracking_code] if page in ("portal:track_case", "portal:thanks") else []
    client = client_as(cast.resident if page == "portal:my_reports" else None)
    assert '<body class="portal"' in client.get(reverse(page, args=args)).content.decode()


def test_my_report_page_uses_the_large_target_layout(client_as, cast, cats):
    case = report(cats["garbage"], actor=cast.resident)
    html = client_as(cast.resident).get(reverse("portal:my_report", args=[case.pk])).content.decode()
    assert '<body class="portal"' in html


def test_login_page_says_no_account_is_needed_to_report(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("login")).content.decode()
    assert "You can report a problem without one" in html
    assert f'<a class="button big block" href="{reverse("portal:home")}">' in html


@pytest.mark.parametrize("action", ["portal:rate", "portal:reopen"])
def test_a_form_address_opened_directly_shows_the_report(client_as, cast, cats, action):
    """After a refused rating the address bar shows .../rate/; switching language reloads it by GET."""
    mine = report(cats["garbage"], actor=cast.resident)
    theirs = report(cats["garbage"], actor=cast.resident2)
    client = client_as(cast.resident)
    response = client.get(reverse(action, args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:my_report", args=[mine.pk])
    assert client.get(reverse(action, args=[theirs.pk])).status_code == 404
