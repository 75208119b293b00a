"""The staff workbench: dashboard, case list, case detail with its action forms, hotline and patrol intake.

Views are thin: every list and detail starts from the cases selectors (which decide what a user may
see), every change goes through a cases service, and a refusal from a service is shown on the form.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.choices import Role
from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.choices import CaseState, Channel, PhotoKind
from apps.cases.workflow import TRANSITIONS, Action
from apps.grid.selectors import area_ancestors, community_list
from apps.sla.calendars import holiday_data_warnings
from apps.sla.forms import clock_panel_forms
from apps.sla.selectors import case_sla_panel, clock_overdue_q
from gridops.errors import Conflict, DomainError, NotPermitted

from .forms import ActionForm, CaseFilterForm, HotlineIntakeForm, PatrolReportForm, add_domain_error

PAGE_SIZE = 25
QUEUE_SIZE = 15
INTAKE_ROLES = frozenset({Role.HOTLINE, Role.DISPATCHER, Role.ADMIN})
PATROL_ROLES = frozenset({Role.OFFICER})


def conflict_message() -> str:
    return _("Someone else changed this case in the meantime. Reload the page and try again.")


def home(request):
    """Front page: staff go to their workbench, everyone else to the resident portal."""
    user = request.user
    if user.is_authenticated and user.is_staff_role:
        return redirect("workbench:dashboard")
    return redirect("portal:home") if _has_url("portal:home") else render(request, "home.html")


def _has_url(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def staff_required(roles: frozenset[str] | None = None):
    """Logged in (else the login page), a staff role (else 403), and one of `roles` if given."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_staff_role or (roles is not None and user.role not in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- dashboard ---------------------------------------------------------------------------------


def _sla_attention_q() -> Q:
    """Cases whose SLA clock warned, escalated or ran past its deadline."""
    return (
        Q(sla_clock__escalation_level__gt=0)
        | Q(sla_clock__warned=True)
        | clock_overdue_q(now=timezone.now(), prefix="sla_clock__")
    )


def _queue(user, cases):
    """What waits for this user now: (title, queryset)."""
    S = CaseState
    role = user.role
    if role in (Role.DISPATCHER, Role.ADMIN):
        return _("Waiting for registration or dispatch"), cases.filter(state__in=[S.REPORTED, S.REGISTERED])
    if role == Role.HANDLER:
        return _("Dispatched to my department and in progress"), cases.filter(state__in=[S.DISPATCHED, S.IN_PROGRESS])
    if role == Role.OFFICER:
        return _("To verify, newly reported and assigned to me"), cases.filter(
            Q(state__in=[S.RESOLVED, S.REPORTED]) | Q(assignee=user, state__in=[S.DISPATCHED, S.IN_PROGRESS])
        )
    if role == Role.SUPERVISOR:
        open_cases = cases.exclude(state__in=[S.CLOSED, S.REJECTED])
        return _("Warnings and escalations in my area"), open_cases.filter(_sla_attention_q())
    if role == Role.HOTLINE:
        return _("Reports I entered"), cases.filter(created_by=user)
    return _("Open cases"), cases.exclude(state__in=[S.CLOSED, S.REJECTED])


@staff_required()
def dashboard(request):
    user = request.user
    if user.role == Role.ADMIN or user.is_superuser:
        for text in holiday_data_warnings():
            messages.warning(request, text)
    cases = case_selectors.case_list_for_user(user=user)
    by_state = dict(cases.order_by().values_list("state").annotate(n=Count("pk")))
    counts = [(state, label, by_state.get(state, 0)) for state, label in CaseState.choices]
    title, queue = _queue(user, cases)
    queue = queue.select_related("sla_clock")
    # Oldest first: what has waited longest comes first.
    queue = (
        list(queue.order_by("created_at", "id")[:QUEUE_SIZE]) if user.role != Role.HOTLINE else list(queue[:QUEUE_SIZE])
    )
    return render(
        request,
        "workbench/dashboard.html",
        {
            "counts": counts,
            "total": sum(by_state.values()),
            "queue_title": title,
            "queue": queue,
            "can_intake": user.role in INTAKE_ROLES,
            "can_patrol": user.role in PATROL_ROLES,
        },
    )


# --- list -------------------------------------------------------------------------------------


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_cases(cases, data: dict):
    """Narrow a (permission-scoped) case queryset by the list's filter values."""
    if data.get("state"):
        cases = cases.filter(state=data["state"])
    if data.get("category"):
        cat = data["category"]
        cases = cases.filter(Q(category=cat) | Q(category__parent=cat))
    if data.get("area"):
        cases = cases.filter(area_path__startswith=data["area"].path)
    if data.get("cell"):
        cases = cases.filter(cell__code=data["cell"].strip())
    if data.get("department"):
        cases = cases.filter(department=data["department"])
    if data.get("created_after"):
        cases = cases.filter(created_at__gte=_day_start(data["created_after"]))
    if data.get("created_before"):
        cases = cases.filter(created_at__lt=_day_start(data["created_before"] + dt.timedelta(days=1)))
    q = (data.get("q") or "").strip()
    if q:
        cases = cases.filter(Q(tracking_code__iexact=q) | Q(description__icontains=q) | Q(address__icontains=q))
    return cases


@staff_required()
def case_list(request):
    cases = case_selectors.case_list_for_user(user=request.user)
    form = CaseFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # invalid values are shown and ignored; valid ones still filter
        cases = filter_cases(cases, form.cleaned_data)
    cases = cases.select_related("category", "cell", "department", "area", "sla_clock")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workbench/case_list.html", {"form": form, "page": page, "cases": page.object_list})


# --- detail and actions -----------------------------------------------------------------------


def _action_form(case, action: str, data=None, files=None) -> ActionForm:
    initial = {"expected_version": case.version}
    if action == Action.DISPATCH:
        # The category's usual department, unless a returned case shows it went to the wrong one.
        initial["department"] = case.department_id or case.category.default_department_id
    return ActionForm(
        data,
        files,
        action=action,
        requires=TRANSITIONS[action].requires,
        prefix=action,
        initial=initial,
    )


# The step forward first, the side exits (merge, return, rework, reject) after it.
ACTION_ORDER = [
    Action.REGISTER,
    Action.DISPATCH,
    Action.ACCEPT,
    Action.RESOLVE,
    Action.VERIFY_PASS,
    Action.SELF_HANDLE,
    Action.REOPEN,
    Action.MERGE,
    Action.RETURN,
    Action.VERIFY_FAIL,
    Action.REJECT,
]


def case_detail_render(request, case, *, bound_forms=None, contact=None, status=200, sla_forms=None):
    """The case page: its facts, history, photos, the actions this user may take (with their
    forms, bound and showing errors when given), duplicate suggestions for a merge and the SLA
    panel. Also used by the SLA views, whose forms sit on this page."""
    user = request.user
    bound_forms = bound_forms or {}
    actions = case_selectors.case_actions_for_user(user=user, case=case)
    actions = sorted(actions, key=lambda a: ACTION_ORDER.index(a) if a in ACTION_ORDER else len(ACTION_ORDER))
    action_forms = [
        {
            "action": action,
            "label": Action(action).label,
            "description": TRANSITIONS[action].description,
            "form": bound_forms.get(action) or _action_form(case, action),
        }
        for action in actions
        if action in TRANSITIONS
    ]
    photos = list(case.photos.all())
    duplicates = []
    if Action.MERGE in actions:
        duplicates = case_selectors.case_duplicate_candidates(
            category=case.category, lon=case.lon, lat=case.lat, exclude=case, user=user
        )
    context = {
        "case": case,
        "action_forms": action_forms,
        "history": case_selectors.case_history(case=case),
        "before_photos": [p for p in photos if p.kind == PhotoKind.BEFORE],
        "after_photos": [p for p in photos if p.kind == PhotoKind.AFTER],
        "area_path": area_ancestors(area=case.area) if case.area_id else [],
        "duplicates": duplicates,
        "contact": contact or case_selectors.case_contact_for_user(user=user, case=case),
        "contact_revealed": contact is not None,
        # The time-limit panel: its requests and forms are apps.sla's (its views post them).
        "sla": clock_panel_forms(case_sla_panel(user=user, case=case), bound=sla_forms),
    }
    return render(request, "workbench/case_detail.html", context, status=status)


@staff_required()
def case_detail(request, pk: int):
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    return case_detail_render(request, case)


@staff_required()
@require_POST
def case_act(request, pk: int, action: str):
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    if action not in TRANSITIONS:
        raise Http404
    try:
        case_services.case_action_check(case=case, actor=request.user, action=action)
    except NotPermitted as err:
        messages.error(request, str(err))
        return case_detail_render(request, case, status=403)
    form = _action_form(case, action, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        merge_into = None
        code = (data.get("merge_into") or "").strip().upper()
        if code:
            merge_into = case_selectors.case_list_for_user(user=request.user).filter(tracking_code=code).first()
            if merge_into is None:
                form.add_error("merge_into", _("No case you can see has this tracking code."))
        if form.is_valid() and not form.errors:
            try:
                case_services.case_transition(
                    case=case,
                    actor=request.user,
                    action=action,
                    note=data.get("note", ""),
                    department=data.get("department"),
                    assignee=data.get("assignee"),
                    photos=data.get("photos") or (),
                    merge_into=merge_into,
                    expected_version=data.get("expected_version"),
                )
            except Conflict as err:
                # A case in another state says which; a stale form says someone else changed it.
                messages.error(request, str(err) if err.code == "wrong_state" else conflict_message())
                case = case_selectors.case_get_for_user(user=request.user, pk=pk)
                return case_detail_render(request, case, status=409)
            except NotPermitted as err:
                messages.error(request, str(err))
                return case_detail_render(request, case, status=403)
            except DomainError as err:
                add_domain_error(form, err)
            else:
                messages.success(
                    request,
                    _("%(action)s: done for case %(code)s.")
                    % {"action": Action(action).label, "code": case.tracking_code},
                )
                return redirect("workbench:case_detail", pk=case.pk)
    if action not in case_selectors.case_actions_for_user(user=request.user, case=case):
        messages.error(request, _("This action is not available for this case now."))
    return case_detail_render(request, case, bound_forms={action: form}, status=400)


@staff_required()
@require_POST
def case_contact(request, pk: int):
    """Show the reporter's full contact details (recorded in the case history by the service)."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    try:
        contact = case_services.case_contact_reveal(case=case, actor=request.user)
    except NotPermitted as err:
        if request.htmx:
            return render(request, "workbench/partials/contact.html", {"case": case, "error": str(err)}, status=403)
        messages.error(request, str(err))
        return case_detail_render(request, case, status=403)
    if request.htmx:
        return render(request, "workbench/partials/contact.html", {"case": case, "contact": contact, "revealed": True})
    return case_detail_render(request, case, contact=contact)


# --- intake -----------------------------------------------------------------------------------


def _intake_kwargs(form) -> dict:
    """`case_intake`'s keywords from a valid intake form; DomainError if its community has no place."""
    data = form.cleaned_data
    return {
        "category": data["category"],
        "description": data["description"],
        **form.location(),
        "photos": data.get("photos") or (),
    }


@staff_required(INTAKE_ROLES)
def hotline_intake(request):
    categories = case_selectors.category_list()
    form = HotlineIntakeForm(
        request.POST or None, request.FILES or None, categories=categories, communities=community_list()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_services.case_intake(
                actor=request.user,
                channel=Channel.HOTLINE,
                reporter_name=data.get("reporter_name", ""),
                reporter_phone=data.get("reporter_phone", ""),
                **_intake_kwargs(form),
            )
        except DomainError as err:
            form.add_intake_error(err)
        else:
            # Redirect after the report: reloading the page must not report it again.
            return redirect("workbench:intake_done", pk=case.pk)
    return render(request, "workbench/intake.html", {"form": form, "hotline": True}, status=400 if form.errors else 200)


@staff_required(PATROL_ROLES)
def patrol_report(request):
    categories = case_selectors.category_list()
    form = PatrolReportForm(
        request.POST or None, request.FILES or None, categories=categories, communities=community_list()
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        stage = "intake"
        try:
            # Reported and handled on the spot in one step: either both happen or neither.
            with transaction.atomic():
                case = case_services.case_intake(actor=request.user, channel=Channel.PATROL, **_intake_kwargs(form))
                if data.get("self_handle"):
                    stage = "self_handle"
                    case = case_services.case_transition(
                        case=case,
                        actor=request.user,
                        action=Action.SELF_HANDLE,
                        note=data["handle_note"],
                        photos=data.get("after_photos") or (),
                    )
        except DomainError as err:
            aliases = (
                {
                    "note": "handle_note",
                    "photos": "after_photos",
                    "after_photo": "after_photos",
                    "action": "self_handle",
                }
                if stage == "self_handle"
                else None
            )
            form.add_intake_error(err, aliases=aliases)
        else:
            return redirect("workbench:intake_done", pk=case.pk)
    return render(request, "workbench/intake.html", {"form": form, "patrol": True}, status=400 if form.errors else 200)


@staff_required(INTAKE_ROLES | PATROL_ROLES)
def intake_done(request, pk: int):
    """The tracking code of a report just entered, to read back to the caller or note down."""
    case = case_selectors.case_get_for_user(user=request.user, pk=pk)
    hotline = case.channel == Channel.HOTLINE
    return render(request, "workbench/intake_done.html", {"case": case, "hotline": hotline, "patrol": not hotline})
