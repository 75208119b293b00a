"""The SLA pages of the workbench: a case's suspension and extension requests (asked and decided in
the time-limit panel of the case page) and the queue of requests waiting for a decision.

Views are thin: cases and requests are reached through the visibility selectors (404 outside the
user's scope), the sla services check the role (403) and decide, and a refusal is shown at the
field it names. A successful post redirects, so reloading the page does not send it again.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.cases.selectors import case_get_for_user
from apps.workbench.forms import add_domain_error
from apps.workbench.views import case_detail_render, staff_required
from gridops.errors import DomainError, NotPermitted

from . import selectors, services
from .choices import LimitUnit, RequestKind, RequestStatus
from .forms import REQUEST_FORMS, DecisionForm, decision_form, decision_prefix

QUEUE_PAGE_SIZE = 50

DECISIONS = {
    (RequestKind.SUSPENSION, DecisionForm.APPROVE): services.suspension_approve,
    (RequestKind.SUSPENSION, DecisionForm.REFUSE): services.suspension_refuse,
    (RequestKind.EXTENSION, DecisionForm.APPROVE): services.extension_approve,
    (RequestKind.EXTENSION, DecisionForm.REFUSE): services.extension_refuse,
}


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "—"


def _deadline_of(case) -> str:
    clock = selectors.clock_get(case=case)
    return _local(clock.deadline if clock else None)


# --- the case page's requests -----------------------------------------------------------------


def _ask(request, case, kind: str, data: dict):
    """Call the service of `kind` with a valid form's data; the message to show when it is done."""
    code = case.tracking_code
    if kind == "extension":
        services.extension_request(
            actor=request.user, case=case, amount=data["amount"], unit=data["unit"], reason=data["reason"]
        )
        return _("You asked for %(amount)s %(unit)s more on case %(code)s: a supervisor of the area decides.") % {
            "amount": data["amount"],
            "unit": LimitUnit(data["unit"]).label,
            "code": code,
        }
    if kind == "suspension":
        services.suspension_request(actor=request.user, case=case, reason=data["reason"])
        return _("You asked to suspend the clock of case %(code)s: a supervisor of the area decides.") % {"code": code}
    clock = services.suspension_resume(actor=request.user, case=case, note=data["note"])
    return _("The clock of case %(code)s runs again: the deadline is now %(deadline)s.") % {
        "code": code,
        "deadline": _local(clock.deadline),
    }


def _case_request(request, pk: int, kind: str):
    case = case_get_for_user(user=request.user, pk=pk)
    check = services.clock_resume_check if kind == "resume" else services.clock_request_check
    try:
        check(actor=request.user, case=case)
    except NotPermitted as err:
        messages.error(request, str(err))
        return case_detail_render(request, case, status=403)
    form = REQUEST_FORMS[kind](request.POST, prefix=kind)
    status = 400
    if form.is_valid():
        try:
            done = _ask(request, case, kind, form.cleaned_data)
        except DomainError as err:  # also Conflict and NotPermitted: shown on the form
            add_domain_error(form, err)
            status = err.http_status
        else:
            messages.success(request, done)
            return redirect("workbench:case_detail", pk=case.pk)
    return case_detail_render(request, case, sla_forms={kind: form}, status=status)


@staff_required()
@require_POST
def extension_request(request, pk: int):
    return _case_request(request, pk, "extension")


@staff_required()
@require_POST
def suspension_request(request, pk: int):
    return _case_request(request, pk, "suspension")


@staff_required()
@require_POST
def suspension_resume(request, pk: int):
    return _case_request(request, pk, "resume")


# --- decisions --------------------------------------------------------------------------------


def _render_queue(request, *, bound: DecisionForm | None = None, bound_id: int | None = None, status: int = 200):
    qs = (
        selectors.clock_request_list_for_user(user=request.user, status=RequestStatus.PENDING)
        .select_related("case__category", "case__sla_clock", "case__area", "requested_by__department")
        .defer("case__area__geometry")
        .order_by("requested_at", "id")  # what has waited longest first
    )
    page = Paginator(qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for req in rows:
        req.decision_form = bound if req.pk == bound_id else decision_form(req.pk, back="queue")
    if bound is not None and bound_id not in {req.pk for req in rows}:
        for error in bound.non_field_errors():  # the request has left the queue: say why here
            messages.error(request, error)
    return render(request, "sla/queue.html", {"page": page, "rows": rows}, status=status)


@staff_required()
def request_queue(request):
    if not services.clock_may_decide(user=request.user):
        raise PermissionDenied
    return _render_queue(request)


def _decided_message(req, decision: str) -> str:
    code = req.case.tracking_code
    if req.kind == RequestKind.EXTENSION and decision == DecisionForm.APPROVE:
        return _("Extension approved for case %(code)s: the deadline is now %(deadline)s.") % {
            "code": code,
            "deadline": _deadline_of(req.case),
        }
    if req.kind == RequestKind.EXTENSION:
        return _("Extension refused for case %(code)s.") % {"code": code}
    if decision == DecisionForm.APPROVE:
        return _("Suspension approved: the clock of case %(code)s stands still.") % {"code": code}
    return _("Suspension refused for case %(code)s.") % {"code": code}


@staff_required()
@require_POST
def request_decide(request, pk: int):
    req = selectors.clock_request_get_for_user(user=request.user, pk=pk)
    form = decision_form(pk, back="queue", data=request.POST)
    on_case = request.POST.get(f"{decision_prefix(pk)}-back") == "case"
    try:
        services.clock_decide_check(actor=request.user, case=req.case)
    except NotPermitted as err:
        if not on_case:
            raise PermissionDenied from err
        messages.error(request, str(err))
        return case_detail_render(request, case_get_for_user(user=request.user, pk=req.case_id), status=403)
    status = 400
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            DECISIONS[(req.kind, decision)](actor=request.user, request_id=req.pk, note=form.cleaned_data["note"])
        except DomainError as err:
            add_domain_error(form, err)
            status = err.http_status
        else:
            messages.success(request, _decided_message(req, decision))
            if on_case:
                return redirect("workbench:case_detail", pk=req.case_id)
            return redirect("sla:queue")
    if on_case:
        case = case_get_for_user(user=request.user, pk=req.case_id)
        return case_detail_render(request, case, sla_forms={decision_prefix(pk): form}, status=status)
    return _render_queue(request, bound=form, bound_id=pk, status=status)
