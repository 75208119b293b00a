"""Reads of cases. `case_list_for_user` is THE answer to "which cases may this user see": every page,
API view and export starts from it, and the workflow service checks visibility with it too.

Contact details: `case_contact_for_user` always answers masked values to staff (plus whether the user
may reveal them); the full values are only ever handed out by `apps.cases.services.case_contact_reveal`,
which records the view in the case's history. The reporter sees their own details unmasked.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.choices import Role
from apps.accounts.models import Department
from apps.grid.models import AreaUserObjectPermission, CellUserObjectPermission
from gridops.localcache import ProcessCache

from .duplicates import DuplicateSearch
from .models import Case, CaseEvent, Category
from .workflow import TRANSITIONS, actor_may_take

LIST_RELATED = ("category", "category__parent", "cell", "area", "department", "assignee", "responsible_officer")
# Boundaries are big JSON documents no list shows.
LIST_DEFERRED = ("cell__geometry", "area__geometry")
SEE_ALL_ROLES = frozenset({Role.DISPATCHER, Role.HOTLINE, Role.ADMIN})
REVEAL_ROLES = frozenset({Role.DISPATCHER, Role.HOTLINE})


def _role(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return getattr(user, "role", None)


def case_list_for_user(*, user) -> QuerySet[Case]:
    """The cases `user` may see (see the module docstring and apps/cases/README in DESIGN.md):

    - officer: cases in the cells where they hold `grid.work_in_cell`, and cases assigned to them;
    - handler: cases of their department, and cases assigned to them;
    - supervisor: cases below any area where they hold `grid.supervise_area` (area path prefix);
    - dispatcher, hotline, admin (and superusers): all;
    - resident: their own reports; anonymous: none.
    Staff also see what they entered themselves.
    """
    qs = Case.objects.select_related(*LIST_RELATED).defer(*LIST_DEFERRED)
    role = _role(user)
    if role is None:
        return qs.none()
    if user.is_superuser or role in SEE_ALL_ROLES:
        return qs
    own = Q(reporter=user) | Q(created_by=user)
    if role == Role.OFFICER:
        cells = CellUserObjectPermission.objects.filter(
            user=user, permission__codename="work_in_cell", permission__content_type__app_label="grid"
        ).values("content_object_id")
        return qs.filter(Q(cell_id__in=cells) | Q(assignee=user) | own)
    if role == Role.HANDLER:
        scope = Q(assignee=user) | own
        if user.department_id:
            scope |= Q(department_id=user.department_id)
        return qs.filter(scope)
    if role == Role.SUPERVISOR:
        paths = list(
            AreaUserObjectPermission.objects.filter(
                user=user, permission__codename="supervise_area", permission__content_type__app_label="grid"
            ).values_list("content_object__path", flat=True)
        )
        scope = own
        for path in paths:
            scope |= Q(area_path__startswith=path)
        return qs.filter(scope)
    if role == Role.RESIDENT:
        return qs.filter(reporter=user)
    return qs.filter(own)


def case_visible_among(*, user, cases: list[Case]) -> list[Case]:
    """Those of `cases` that `user` may see, in their order: `case_list_for_user`'s answer. Where
    the scope needs no look-up (who sees all; a resident, who sees their own reports: `reporter_id`
    must be loaded) it is answered without a query; otherwise by asking `case_list_for_user` about
    these cases' ids only."""
    if not cases:
        return []
    role = _role(user)
    if role is None:
        return []
    if user.is_superuser or role in SEE_ALL_ROLES:
        return list(cases)
    if role == Role.RESIDENT:
        return [case for case in cases if case.reporter_id == user.pk]
    ids = [case.pk for case in cases]
    visible = set(case_list_for_user(user=user).filter(pk__in=ids).order_by().values_list("pk", flat=True))
    return [case for case in cases if case.pk in visible]


def case_get_for_user(*, user, pk: int) -> Case:
    """The case if `user` may see it; Http404 otherwise (never a hint that it exists)."""
    try:
        return case_list_for_user(user=user).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404("No such case.") from None


def case_is_visible(*, user, case: Case) -> bool:
    return case_list_for_user(user=user).filter(pk=case.pk).exists()


def case_get_by_tracking_code(*, code: str) -> Case | None:
    """For anonymous tracking: the caller must show public fields only (see `case_public_events`)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    return (
        Case.objects.select_related("category", "merged_into", "merged_into__category")
        .filter(tracking_code=code)
        .first()
    )


def case_followed(*, case: Case) -> Case:
    """The case a reporter follows: the master when theirs was merged as a duplicate."""
    seen = {case.pk}
    current = case
    while current.merged_into_id and current.merged_into_id not in seen:
        current = Case.objects.select_related("category").get(pk=current.merged_into_id)
        seen.add(current.pk)
    return current


def case_actions_for_user(*, user, case: Case, at: datetime | None = None) -> list[str]:
    """The actions `user` may take on `case` now (its state, their role and relation to it)."""
    if _role(user) is None:
        return []
    at = at or timezone.now()
    return [
        action
        for action, transition in TRANSITIONS.items()
        if case.state in transition.from_states and actor_may_take(transition=transition, actor=user, case=case, at=at)
    ]


def case_history(*, case: Case) -> QuerySet[CaseEvent]:
    return (
        CaseEvent.objects.filter(case=case)
        .select_related("actor")
        .prefetch_related("photos")
        .order_by("created_at", "id")
    )


# Events a member of the public may see on a tracking page (no contact views, no internal returns).
PUBLIC_ACTIONS = frozenset(
    {
        "report",
        "register",
        "reject",
        "merge",
        "dispatch",
        "accept",
        "resolve",
        "verify_pass",
        "verify_fail",
        "reopen",
        "self_handle",
        "rate",
    }
)
# Of those, the events whose note is written for the public: why a report was not taken up, what
# was done. Other notes are staff remarks (they may name the reporter or quote a phone number) and
# a rating's comment is the resident's own words.
PUBLIC_NOTE_ACTIONS = frozenset({"reject", "resolve", "self_handle", "verify_pass", "reopen"})


def case_public_events(*, case: Case) -> list[CaseEvent]:
    """The public timeline of a case, oldest first: the pages and the API for anyone holding the
    tracking code. Notes outside PUBLIC_NOTE_ACTIONS are blanked; the actor is a role, never a name."""
    events = list(CaseEvent.objects.filter(case=case, action__in=PUBLIC_ACTIONS).order_by("created_at", "id"))
    for event in events:
        if event.action not in PUBLIC_NOTE_ACTIONS:
            event.note = ""
    return events


def case_duplicate_candidates(
    *, category, lon: float, lat: float, exclude=None, at: datetime | None = None, user=None
) -> list[Case]:
    """Open cases of the same category within GRIDOPS_DUPLICATE_RADIUS_M metres and
    GRIDOPS_DUPLICATE_WINDOW_H hours, nearest first (each with `.distance_m`).
    With `user`, only those the user may see."""
    within = _visible_to(user) if user is not None else None
    return DuplicateSearch(category=category, lon=lon, lat=lat, exclude=exclude, at=at).run().found(within=within)


def case_intake_duplicates(*, case, user) -> list[Case]:
    """What `case_intake(suggest_duplicates=True)` found for a new case, as
    `case_duplicate_candidates` answers: those `user` may see, nearest first."""
    return case.duplicate_search.found(within=_visible_to(user))


def _visible_to(user):
    """The duplicate search's `within` for `user`."""
    return lambda cases: case_visible_among(user=user, cases=cases)


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000; short numbers keep only their first digit."""
    phone = (phone or "").strip()
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    if not phone:
        return ""
    return phone[:1] + "*" * (len(phone) - 1)


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def _contact_values(case: Case) -> tuple[str, str]:
    name = case.reporter_name
    phone = case.reporter_phone
    return name, phone


def case_contact_for_user(*, user, case: Case) -> dict:
    """The reporter's contact as this user may see it without a recorded reveal:
    `{"name", "phone", "masked": bool, "can_reveal": bool}`. Anonymous users get nothing."""
    role = _role(user)
    name, phone = _contact_values(case)
    if role is None:
        return {"name": "", "phone": "", "masked": True, "can_reveal": False}
    if case.reporter_id is not None and case.reporter_id == user.pk:
        return {"name": name, "phone": phone, "masked": False, "can_reveal": False}
    return {
        "name": mask_name(name),
        "phone": mask_phone(phone),
        "masked": True,
        "can_reveal": role in REVEAL_ROLES and bool(name or phone),
    }


def category_list(*, include_inactive: bool = False) -> QuerySet[Category]:
    """Categories in display order, parents before children (for a grouped chooser)."""
    qs = Category.objects.select_related("parent", "default_department")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("kind", "sort_order", "code")


def _categories_load() -> dict[str, Category]:
    categories = list(Category.objects.select_related("default_department"))
    offered_under = {category.parent_id for category in categories if category.is_active and category.parent_id}
    for category in categories:
        category.has_active_children = category.pk in offered_under
    by_id = {str(category.pk): category for category in categories}
    return by_id | {category.code: category for category in categories}  # a code wins over an id


_categories = ProcessCache("categories", _categories_load, models=(Category, Department))


def category_has_sub_categories(category: Category) -> bool:
    """Whether active sub-categories are offered under `category` (a report is filed under one of
    them, as the forms offer them, not under their class), from the process's cache."""
    cached = category_by_ref(str(category.pk))
    return bool(cached is not None and getattr(cached, "has_active_children", False))


def category_by_ref(ref: str) -> Category | None:
    """The category with this code (or numeric id), active or not, from the process's cache
    (gridops.localcache: intake reads it on every report; an admin's change applies within seconds).
    Callers must not modify the instance: other requests share it."""
    return _categories.get().get(str(ref).strip())
