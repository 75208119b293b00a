"""The resident portal: report a problem, track it by code, follow "my reports", rate, reopen.

Public pages (the tracking page) show only public facts: state, category, place, a timeline with
staff roles (never names) and only the notes meant for the public. Never the reporter's name or phone.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.choices import CaseState, Channel, PhotoKind
from apps.cases.workflow import Action
from apps.grid.selectors import community_list
from apps.workbench.forms import add_domain_error
from gridops.errors import Conflict, DomainError

from .forms import RatingForm, ReopenForm, ResidentReportForm, TrackForm

# Location errors land on the visible address field: residents never see coordinates.
LOCATION_ALIASES = {"lon": "address", "lat": "address", "crs": "address"}

# How each step reads to a resident (the staff pages use the workflow's verbs).
PUBLIC_LABELS = {
    "report": gettext_lazy("Report received"),
    Action.REGISTER: gettext_lazy("Accepted as a case"),
    Action.REJECT: gettext_lazy("Not taken up"),
    Action.MERGE: gettext_lazy("Joined to an earlier report of the same problem"),
    Action.DISPATCH: gettext_lazy("Sent to the responsible department"),
    Action.ACCEPT: gettext_lazy("Work started"),
    Action.RESOLVE: gettext_lazy("Reported as fixed"),
    Action.VERIFY_PASS: gettext_lazy("Checked on site and closed"),
    Action.VERIFY_FAIL: gettext_lazy("Checked on site: more work needed"),
    Action.REOPEN: gettext_lazy("Reopened"),
    Action.SELF_HANDLE: gettext_lazy("Fixed on the spot by the grid officer"),
    "rate": gettext_lazy("Result rated"),
}


def public_timeline(case) -> list[dict]:
    """The case's public history: what happened and by which role (never who), with public notes
    only (`case_public_events` decides which)."""
    return [
        {
            "action": event.action,
            "label": PUBLIC_LABELS.get(event.action, event.action),
            "role": event.actor_role,
            "to_state": event.to_state,  # empty for an event that changes no state (a rating)
            "at": event.created_at,
            "note": event.note,
        }
        for event in case_selectors.case_public_events(case=case)
    ]


def _public_context(case) -> dict:
    """What anyone holding the tracking code may see; for a merged duplicate, the master's progress."""
    followed = case_selectors.case_followed(case=case)
    photos = list(followed.photos.all())
    return {
        "case": case,
        "master": followed if followed.pk != case.pk else None,
        "followed": followed,
        "timeline": public_timeline(followed),
        "before_photos": [p for p in photos if p.kind == PhotoKind.BEFORE],
        "after_photos": [p for p in photos if p.kind == PhotoKind.AFTER],
    }


def home(request):
    """The report form."""
    categories = case_selectors.category_list()
    initial = {}
    user = request.user
    if user.is_authenticated and not user.is_staff_role:
        initial = {"reporter_name": user.full_name, "reporter_phone": user.phone}
    form = ResidentReportForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        communities=community_list(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_services.case_intake(
                actor=user if user.is_authenticated else None,
                channel=Channel.RESIDENT_WEB,
                category=data["category"],
                description=data["description"],
                **form.location(),
                photos=data.get("photos") or (),
                reporter_name=data.get("reporter_name", ""),
                reporter_phone=data.get("reporter_phone", ""),
            )
        except DomainError as err:
            form.add_intake_error(err, aliases=LOCATION_ALIASES)
        else:
            return redirect("portal:thanks", code=case.tracking_code)
    context = {
        "form": form,
        # A browser cannot keep chosen files across a page load: say so, or they go missing unnoticed.
        "photos_dropped": bool(form.errors and request.FILES.getlist("photos")),
    }
    return render(request, "portal/report.html", context, status=400 if form.errors else 200)


def thanks(request, code: str):
    case = case_selectors.case_get_by_tracking_code(code=code)
    if case is None:
        raise Http404
    return render(request, "portal/thanks.html", {"code": case.tracking_code})


def track(request):
    """Ask for a tracking code (GET ?code=...)."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        if case_selectors.case_get_by_tracking_code(code=code) is not None:
            return redirect("portal:track_case", code=code)
        form.add_error("code", _("No report has this code. Check it and try again."))
        return render(request, "portal/track_form.html", {"form": form}, status=404)
    return render(request, "portal/track_form.html", {"form": form})


def track_case(request, code: str):
    case = case_selectors.case_get_by_tracking_code(code="".join(code.split()).upper())
    if case is None:
        raise Http404
    return render(request, "portal/track.html", _public_context(case))


@login_required
def my_reports(request):
    cases = (
        case_selectors.case_list_for_user(user=request.user)
        .filter(reporter=request.user)
        .select_related("category", "merged_into")
    )
    return render(request, "portal/my_reports.html", {"cases": cases[:200]})


def _my_case(request, pk: int):
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    if case.reporter_id != request.user.pk:
        raise Http404  # staff may see it in the workbench; this page is the reporter's
    return case


def _render_my_case(request, case, *, rating_form=None, reopen_form=None, status=200):
    actions = case_selectors.case_actions_for_user(user=request.user, case=case)
    context = _public_context(case)
    can_rate = case.state == CaseState.CLOSED and case.rating is None
    context.update(
        {
            "mine": True,
            # A refused form is shown with its error even when the action is no longer open.
            "rating_form": rating_form or (RatingForm() if can_rate else None),
            "reopen_form": reopen_form or (ReopenForm() if Action.REOPEN in actions else None),
        }
    )
    return render(request, "portal/track.html", context, status=status)


@login_required
def my_report(request, pk: int):
    return _render_my_case(request, _my_case(request, pk))


def _post_only(view):
    """A form's target that, opened by GET, shows the report instead of "405 method not allowed":
    the language switch (and a bookmark) sends the resident back to the address of a refused form."""

    @wraps(view)
    def wrapper(request, pk: int):
        if request.method != "POST":
            _my_case(request, pk)  # someone else's report stays a 404
            return redirect("portal:my_report", pk=pk)
        return view(request, pk)

    return wrapper


@login_required
@_post_only
def rate(request, pk: int):
    case = _my_case(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            case_services.case_rate(
                case=case, actor=request.user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except DomainError as err:
            add_domain_error(form, err)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("portal:my_report", pk=case.pk)
    return _render_my_case(request, case, rating_form=form, status=400)


@login_required
@_post_only
def reopen(request, pk: int):
    case = _my_case(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            case_services.case_transition(
                case=case,
                actor=request.user,
                action=Action.REOPEN,
                note=form.cleaned_data["note"],
                expected_version=case.version,
            )
        except Conflict:
            messages.error(request, _("This report changed in the meantime. Please look again."))
            return redirect("portal:my_report", pk=case.pk)
        except DomainError as err:
            add_domain_error(form, err)
        else:
            messages.success(request, _("Your report is open again. We will look at it once more."))
            return redirect("portal:my_report", pk=case.pk)
    return _render_my_case(request, case, reopen_form=form, status=400)
