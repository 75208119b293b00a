"""Writes to cases. Every change of state goes through `case_transition` (the workflow service);
it is the only code that writes `Case.state` (a test greps the tree for other writers).

Each service validates everything before it writes, runs in one transaction, appends to the case's
history, calls the SLA and notification hooks inside the transaction, and leaves side effects to
`transaction.on_commit`. Personal data (reporter name and phone) is never logged.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from apps.grid.models import Cell
from apps.grid.selectors import cell_responsible_officer_id
from apps.notify.services import notify_case_event
from apps.sla.services import clock_on_transition
from gridops.db import RowBatch
from gridops.errors import Conflict, DomainError, NotPermitted

from .choices import OPEN_STATES, CaseState, Channel, PhotoKind
from .duplicates import DuplicateSearch
from .models import Case, CaseEvent, CasePhoto, Category
from .photos import PreparedPhoto, photo_files_undone_on_error, photo_store, photos_prepare
from .selectors import REVEAL_ROLES, case_list_for_user, category_has_sub_categories
from .workflow import REPORT, TRANSITIONS, Action, Requirement, actor_may_take, reopen_window_open

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L: a code read out over the phone must not be misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12
MAX_DESCRIPTION = 2000
_CHANNELS = frozenset(Channel.values)


def case_event_record(**fields) -> CaseEvent:
    """Append one entry to a case's history (also for things that are not transitions:
    a suspension, an extension, a warning, a view of the reporter's contact details).
    `fields` as `_event_new` takes them."""
    event = _event_new(**fields)
    event.save(force_insert=True)
    return event


def _event_new(
    *,
    case: Case,
    actor: User | None,
    action: str,
    note: str = "",
    data: dict | None = None,
    at: datetime | None = None,
    from_state: str = "",
    to_state: str = "",
) -> CaseEvent:
    """The history entry, unsaved."""
    return CaseEvent(
        case=case,
        actor=actor,
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        created_at=at or timezone.now(),
    )


# Random bytes below this multiple of the alphabet's size map to its letters uniformly.
_TRACKING_BYTE_LIMIT = 256 - 256 % len(TRACKING_ALPHABET)


def tracking_code_generate() -> str:
    """31^12 (about 8e17) codes: unguessable, and a clash is left to the unique constraint
    (case_intake retries once) instead of costing every report a lookup. Letters drawn from the
    system's secure source, as `secrets.choice` draws them, a few bytes at a time."""
    letters: list[str] = []
    while len(letters) < TRACKING_LENGTH:
        for byte in secrets.token_bytes(TRACKING_LENGTH + 4):
            if byte < _TRACKING_BYTE_LIMIT:
                letters.append(TRACKING_ALPHABET[byte % len(TRACKING_ALPHABET)])
    return "".join(letters[:TRACKING_LENGTH])


def _locate(*, lon: float | None, lat: float | None, crs: str, address: str):
    """(lon, lat) in WGS84 and the LocateResult; DomainError naming the field on failure."""
    from apps.grid.coords import to_wgs84
    from apps.grid.locator import locate

    from .geocode import geocode_address

    field = "location"
    if lon is None or lat is None:
        if lon is not None or lat is not None:
            raise DomainError(_("Give both longitude and latitude."), field="lat" if lat is None else "lon")
        if not address.strip():
            raise DomainError(_("Give a location or an address."), field="location")
        found = geocode_address(address)
        lon, lat, field = found.lon, found.lat, "address"
    else:
        values = {}
        for name, value in (("lon", lon), ("lat", lat)):
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                raise DomainError(_("The coordinates are not numbers."), field=name) from None
        lon, lat = values["lon"], values["lat"]
        if not -180 <= lon <= 180:
            raise DomainError(_("The coordinates are out of range."), field="lon")
        if not -90 <= lat <= 90:
            raise DomainError(_("The coordinates are out of range."), field="lat")
        lon, lat = to_wgs84(lon, lat, crs)
    result = locate(lon, lat)
    if result is None:
        raise DomainError(_("This place is outside the area we serve."), field=field, code="outside")
    return lon, lat, result


def _clean_text(value: str, *, field: str, required: bool, max_len: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field cannot be empty."), field=field, code="required")
    if len(value) > max_len:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": max_len}, field=field)
    return value


def _call_hooks(
    *,
    case: Case,
    event: CaseEvent,
    action: str,
    from_state: str,
    to_state: str,
    at: datetime,
    batch: RowBatch | None = None,
) -> None:
    """`case` as it is after the action (the hooks read its state, assignee and department).
    `batch`: the unsaved rows of a report (the case, its event); the hooks' rows join them."""
    clock_on_transition(case=case, action=action, from_state=from_state, to_state=to_state, at=at, batch=batch)
    notify_case_event(event=event, case=case, batch=batch)

    def log_after_commit() -> None:
        case_id, event_id = case.pk, event.pk
        transaction.on_commit(
            lambda: logger.info(
                "case %s event %s: %s %s -> %s", case_id, event_id, action, from_state or "-", to_state or "-"
            )
        )

    if batch is None:
        log_after_commit()
    else:
        batch.after_write(log_after_commit)


def _record_with_photos(
    *,
    case: Case,
    actor: User | None,
    action: str,
    note: str,
    data: dict,
    at: datetime,
    from_state: str,
    to_state: str,
    prepared: Sequence[PreparedPhoto],
    kind: str,
    uploaded_by: User | None,
) -> CaseEvent:
    """Store the photos, then append the event naming them (events are never updated), then link them."""
    stored = [photo_store(case=case, prepared=p, kind=kind, uploaded_by=uploaded_by) for p in prepared]
    if stored:
        data = {**data, "photos": [p.pk for p in stored], "photo_kind": kind}
    event = case_event_record(
        case=case, actor=actor, action=action, note=note, data=data, at=at, from_state=from_state, to_state=to_state
    )
    if stored:
        CasePhoto.objects.filter(pk__in=[p.pk for p in stored]).update(event=event)
    return event


def case_intake(
    *,
    actor: User | None,
    channel: str,
    category: Category,
    description: str,
    lon: float | None,
    lat: float | None,
    crs: str = "wgs84",
    address: str = "",
    photos: Sequence = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    at: datetime | None = None,
    suggest_duplicates: bool = False,
) -> Case:
    """Receive a report: validate it, route it to its cell, area and responsible officer, give it a
    tracking code, record the `report` event with its before photos, and start the SLA clock.

    `suggest_duplicates`: also look for the open cases it may duplicate, in the same round trip as
    the write; `selectors.case_intake_duplicates` tells which of them a user may see."""
    at = at or timezone.now()
    if channel not in _CHANNELS:
        raise DomainError(_("Unknown channel."), field="channel")
    if category is None or not isinstance(category, Category) or not category.is_active:
        raise DomainError(_("Choose an active category."), field="category")
    if category_has_sub_categories(category):
        raise DomainError(
            _("%(category)s is a class: choose one of its categories.") % {"category": category.label},
            field="category",
        )
    description = _clean_text(description, field="description", required=True, max_len=MAX_DESCRIPTION)
    address = _clean_text(address, field="address", required=False, max_len=300)
    reporter_name = _clean_text(reporter_name, field="reporter_name", required=False, max_len=100)
    reporter_phone = _clean_text(reporter_phone, field="reporter_phone", required=False, max_len=32)
    if reporter_phone and not all(ch in "0123456789+- " for ch in reporter_phone):
        raise DomainError(_("A phone number has digits only."), field="reporter_phone")
    prepared = photos_prepare(list(photos), field="photos")
    lon, lat, located = _locate(lon=lon, lat=lat, crs=crs, address=address)
    # The locator's index knows the cell's code, area and path: no need to read the cell (its
    # boundary is large). A deferred instance, as `.only("id", "code", "area_id")` would give.
    cell = Cell.from_db(
        DEFAULT_DB_ALIAS, ["id", "code", "area_id"], [located.cell_id, located.cell_code, located.area_id]
    )
    officer_id = cell_responsible_officer_id(cell=located.cell_id, at=at)

    reporter = actor if actor is not None and getattr(actor, "role", None) == Role.RESIDENT else None
    if reporter is not None:
        reporter_name = reporter_name or reporter.full_name
        reporter_phone = reporter_phone or reporter.phone
    author = actor if actor is not None and actor.is_authenticated else None
    search = DuplicateSearch(category=category, lon=lon, lat=lat, at=at) if suggest_duplicates else None
    for attempt in (1, 2):
        case = Case(
            tracking_code=tracking_code_generate(),
            channel=channel,
            category=category,
            priority=category.priority,
            description=description,
            address=address,
            lon=lon,
            lat=lat,
            cell=cell,
            area_id=located.area_id,
            area_path=located.area_path,
            responsible_officer_id=officer_id,
            reporter=reporter,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            created_by=author,
            created_at=at,
        )
        try:
            _report_write(
                case=case,
                actor=author,
                channel=channel,
                prepared=prepared,
                uploaded_by=reporter,
                at=at,
                search=search,
            )
            break
        except IntegrityError:
            if attempt == 2 or not Case.objects.filter(tracking_code=case.tracking_code).exists():
                raise
    case.duplicate_search = search
    return case


def _report_write(
    *,
    case: Case,
    actor: User | None,
    channel: str,
    prepared: Sequence[PreparedPhoto],
    uploaded_by: User | None,
    at: datetime,
    search: DuplicateSearch | None,
) -> CaseEvent:
    """Write a new case with its `report` event (naming its before photos), its clock and the
    notices, all or nothing. Without photos the rows go as one `RowBatch` (one statement on
    PostgreSQL, which also carries the duplicate `search`: a report's cost under load follows its
    round trips); photos are stored between the case and the event, which names them. The search
    sees the cases as they were before this one."""
    report = {"action": REPORT, "from_state": "", "to_state": CaseState.REPORTED, "at": at}
    if prepared:
        if search is not None:
            search.run()
        with photo_files_undone_on_error(), transaction.atomic():
            case.save(force_insert=True)
            event = _record_with_photos(
                case=case,
                actor=actor,
                note="",
                data={"channel": channel},
                prepared=prepared,
                kind=PhotoKind.BEFORE,
                uploaded_by=uploaded_by,
                **report,
            )
            _call_hooks(case=case, event=event, **report)
        return event
    batch = RowBatch()
    batch.add(case)
    event = batch.add(_event_new(case=case, actor=actor, data={"channel": channel}, **report))
    _call_hooks(case=case, event=event, batch=batch, **report)
    if search is not None:
        batch.select(search)
    batch.write()
    return event


def _check_inputs(
    *,
    case: Case,
    actor: User,
    transition,
    note: str,
    department: Department | None,
    assignee: User | None,
    photos: Sequence,
    merge_into: Case | None,
) -> list[PreparedPhoto]:
    requires = transition.requires
    if Requirement.NOTE in requires and not (note or "").strip():
        raise DomainError(_("Give a reason or a note."), field="note", code="required")
    if len(note or "") > MAX_DESCRIPTION:
        raise DomainError(_("Too long (at most %(n)s characters).") % {"n": MAX_DESCRIPTION}, field="note")
    if Requirement.AFTER_PHOTO in requires and not photos:
        raise DomainError(_("Add at least one photo of the result."), field="photos", code="required")
    prepared = photos_prepare(list(photos), field="photos")
    if Requirement.DEPARTMENT_OR_ASSIGNEE in requires:
        if department is None and assignee is None:
            raise DomainError(_("Choose a department or an officer."), field="department", code="required")
        if department is not None and not department.is_active:
            raise DomainError(_("This department is not active."), field="department")
        if assignee is not None and (assignee.role not in (Role.HANDLER, Role.OFFICER) or not assignee.is_active):
            raise DomainError(_("Cases go to department staff or grid officers only."), field="assignee")
        if (
            assignee is not None
            and department is not None
            and assignee.role == Role.HANDLER
            and assignee.department_id != department.pk
        ):
            raise DomainError(_("This person is not in the chosen department."), field="assignee")
    if Requirement.MERGE_INTO in requires:
        if merge_into is None:
            raise DomainError(_("Choose the case this one duplicates."), field="merge_into", code="required")
        if merge_into.pk == case.pk:
            raise DomainError(_("A case cannot duplicate itself."), field="merge_into")
        if not case_list_for_user(user=actor).filter(pk=merge_into.pk).exists():
            raise DomainError(_("No such case."), field="merge_into")
        master = Case.objects.get(pk=merge_into.pk)
        if master.state not in OPEN_STATES or master.merged_into_id is not None:
            raise DomainError(_("The master case must be open."), field="merge_into")
    return prepared


def _changes(*, action: str, case: Case, actor: User, department, assignee, merge_into, at: datetime) -> dict:
    if action == Action.REGISTER:
        return {"registered_at": at}
    if action == Action.MERGE:
        return {"merged_into_id": merge_into.pk}
    if action == Action.DISPATCH:
        dept = department or (assignee.department if assignee is not None and assignee.role == Role.HANDLER else None)
        return {"department_id": getattr(dept, "pk", None), "assignee_id": getattr(assignee, "pk", None)}
    if action == Action.ACCEPT and case.assignee_id is None:
        return {"assignee_id": actor.pk}
    if action == Action.RETURN:
        return {"department_id": None, "assignee_id": None}
    if action in (Action.RESOLVE, Action.SELF_HANDLE):
        return {"resolved_at": at}
    if action == Action.VERIFY_PASS:
        return {"closed_at": at}
    if action == Action.VERIFY_FAIL:
        return {"resolved_at": None}
    if action == Action.REOPEN:
        return {"reopen_count": F("reopen_count") + 1, "closed_at": None, "resolved_at": None}
    return {}


def _event_data(*, action: str, department, assignee, merge_into, changes: dict) -> dict:
    data: dict = {}
    if action == Action.DISPATCH:
        if changes.get("department_id"):
            data["department"] = (
                Department.objects.filter(pk=changes["department_id"]).values_list("code", flat=True).first()
            )
        if assignee is not None:
            data["assignee"] = assignee.pk
    if action == Action.MERGE and merge_into is not None:
        data["merge_into"] = merge_into.pk
        data["merge_into_code"] = merge_into.tracking_code
    return data


def _require_may_take(*, transition, actor: User, case: Case, at: datetime) -> None:
    if actor_may_take(transition=transition, actor=actor, case=case, at=at):
        return
    if transition.action == Action.REOPEN and case.closed_at is not None and not reopen_window_open(case, at):
        raise NotPermitted(
            _("A case can be reopened within %(n)d days of its closing; that time has passed.")
            % {"n": settings.GRIDOPS_REOPEN_WINDOW_DAYS},
            field="action",
        )
    raise NotPermitted(_("You may not take this action on this case."), field="action")


def case_action_check(*, case: Case, actor: User, action: str, at: datetime | None = None) -> None:
    """NotPermitted unless `actor`'s role and relation to `case` allow `action` (the state, the
    version and the inputs stay `case_transition`'s to check). Views call it before they read the
    action's inputs, so that a refused user gets 403 and learns nothing from input errors (which
    accounts or tracking codes exist). `case` must come from the user's visible cases."""
    transition = TRANSITIONS.get(str(action))
    if transition is None:
        raise DomainError(_("Unknown action."), field="action")
    _require_may_take(transition=transition, actor=actor, case=case, at=at or timezone.now())


def case_transition(
    *,
    case: Case,
    actor: User,
    action: str,
    note: str = "",
    department: Department | None = None,
    assignee: User | None = None,
    photos: Sequence = (),
    merge_into: Case | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Case:
    """Take `action` on `case` as `actor` (THE writer of `Case.state`).

    Http404 if the actor may not see the case; NotPermitted if they see it but may not take the
    action; Conflict if the case is not in a state the action starts from or changed under them
    (`expected_version`, or a concurrent transition); DomainError naming the field for a missing or
    bad input. On success the case (updated in place and returned) has moved, its history has the
    event (with its photos), and the SLA and notification hooks have run in the same transaction.
    """
    at = at or timezone.now()
    transition = TRANSITIONS.get(str(action))
    if transition is None:
        raise DomainError(_("Unknown action."), field="action")
    if actor is None or not actor.is_authenticated:
        raise Http404("No such case.")
    with photo_files_undone_on_error(), transaction.atomic():
        try:
            current = case_list_for_user(user=actor).get(pk=case.pk)
        except Case.DoesNotExist:
            raise Http404("No such case.") from None
        _require_may_take(transition=transition, actor=actor, case=current, at=at)
        version = current.version if expected_version is None else expected_version
        if current.version != version:
            raise Conflict(_("Someone else changed this case; reload it."), field="expected_version")
        from_state = current.state
        if from_state not in transition.from_states:
            raise Conflict(
                _("The case is %(state)s now; this action is not possible.") % {"state": CaseState(from_state).label},
                field="action",
                code="wrong_state",
            )
        prepared = _check_inputs(
            case=current,
            actor=actor,
            transition=transition,
            note=note,
            department=department,
            assignee=assignee,
            photos=photos,
            merge_into=merge_into,
        )
        changes = _changes(
            action=transition.action,
            case=current,
            actor=actor,
            department=department,
            assignee=assignee,
            merge_into=merge_into,
            at=at,
        )
        updated = Case.objects.filter(pk=current.pk, state=from_state, version=version).update(
            state=transition.to_state, version=version + 1, updated_at=timezone.now(), **changes
        )
        if updated != 1:
            raise Conflict(_("Someone else changed this case; reload it."), field="expected_version")
        kind = PhotoKind.AFTER if transition.action in (Action.RESOLVE, Action.SELF_HANDLE) else PhotoKind.BEFORE
        event = _record_with_photos(
            case=current,
            actor=actor,
            action=transition.action,
            note=(note or "").strip(),
            data=_event_data(
                action=transition.action,
                department=department,
                assignee=assignee,
                merge_into=merge_into,
                changes=changes,
            ),
            at=at,
            from_state=from_state,
            to_state=transition.to_state,
            prepared=prepared,
            kind=kind,
            uploaded_by=actor,
        )
        case.refresh_from_db()
        _call_hooks(
            case=case, event=event, action=transition.action, from_state=from_state, to_state=transition.to_state, at=at
        )
    return case


def case_contact_reveal(*, case: Case, actor: User, at: datetime | None = None) -> dict:
    """The reporter's full name and phone for dispatchers and hotline operators; the view is
    recorded in the case's history (`contact_viewed`). Others: NotPermitted (Http404 if not visible)."""
    if actor is None or not actor.is_authenticated:
        raise Http404("No such case.")
    if not case_list_for_user(user=actor).filter(pk=case.pk).exists():
        raise Http404("No such case.")
    if getattr(actor, "role", None) not in REVEAL_ROLES:
        raise NotPermitted(_("Your role may not see the reporter's contact details."))
    with transaction.atomic():
        fresh = Case.objects.only("id", "reporter_name", "reporter_phone", "state").get(pk=case.pk)
        case_event_record(
            case=fresh,
            actor=actor,
            action="contact_viewed",
            data={"fields": ["name", "phone"]},
            at=at or timezone.now(),
        )
    return {"name": fresh.reporter_name, "phone": fresh.reporter_phone, "masked": False, "can_reveal": False}


def case_rate(*, case: Case, actor: User, rating: int, comment: str = "", at: datetime | None = None) -> Case:
    """The reporter rates the result of their closed report (once), 1 to 5."""
    if actor is None or not actor.is_authenticated or case.reporter_id != actor.pk:
        if actor is not None and actor.is_authenticated and case_list_for_user(user=actor).filter(pk=case.pk).exists():
            raise NotPermitted(_("Only the reporter can rate the result."))
        raise Http404("No such case.")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise DomainError(_("Give a rating from 1 to 5."), field="rating") from None
    if not 1 <= rating <= 5:
        raise DomainError(_("Give a rating from 1 to 5."), field="rating")
    comment = _clean_text(comment, field="comment", required=False, max_len=500)
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, state=CaseState.CLOSED, rating__isnull=True).update(
            rating=rating, rating_comment=comment, updated_at=timezone.now()
        )
        if updated != 1:
            raise Conflict(_("Only a closed case can be rated, and only once."), field="rating")
        case.refresh_from_db()
        case_event_record(
            case=case, actor=actor, action="rate", note=comment, data={"rating": rating}, at=at or timezone.now()
        )
    return case


def case_photos_add(
    *,
    case: Case,
    actor: User,
    photos: Sequence,
    kind: str = PhotoKind.BEFORE,
    note: str = "",
    at: datetime | None = None,
) -> list[CasePhoto]:
    """Add photos to a case the actor may see: `before` photos by anyone who sees it while it is open;
    `after` photos only by whoever may resolve it now (evidence otherwise comes with resolve/self_handle)."""
    if actor is None or not actor.is_authenticated:
        raise Http404("No such case.")
    try:
        current = case_list_for_user(user=actor).get(pk=case.pk)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
    if kind not in PhotoKind.values:
        raise DomainError(_("Unknown photo kind."), field="kind")
    if not photos:
        raise DomainError(_("Add at least one photo."), field="photos", code="required")
    at = at or timezone.now()
    if kind == PhotoKind.AFTER:
        resolve = TRANSITIONS[Action.RESOLVE]
        if current.state not in resolve.from_states or not actor_may_take(
            transition=resolve, actor=actor, case=current, at=at
        ):
            raise NotPermitted(_("Only the handler of the case adds photos of the result."), field="kind")
    elif current.state not in OPEN_STATES:
        raise NotPermitted(_("Photos can only be added to an open case."), field="photos")
    prepared = photos_prepare(list(photos), field="photos")
    with photo_files_undone_on_error(), transaction.atomic():
        event = _record_with_photos(
            case=current,
            actor=actor,
            action="photos_added",
            note=(note or "").strip(),
            data={},
            at=at,
            from_state="",
            to_state="",
            prepared=prepared,
            kind=kind,
            uploaded_by=actor,
        )
        notify_case_event(event=event)
    return list(CasePhoto.objects.filter(event=event))
