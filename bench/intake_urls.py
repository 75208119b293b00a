"""Bench-only URLs: the product's URLs plus two reference views.

`/bench/floor/` (the baseline): parses the same JSON as intake and inserts a similar row with fixed
routing and a random code: the least any intake must do. It skips auth, validation, routing,
history and hooks on purpose.

`/bench/handwritten/` (a reference): the look-ups and rows of a report (token, responsible officer,
case, history entry, clock, inbox row, duplicate search), written by hand without DRF, the ORM's
query building or validation, one statement each (intake writes its four rows as one). It tells
what the work costs without a framework; it is not a second intake (no checks, no hooks, a fixed
one-hour clock).
"""

import json
import secrets

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.cases.duplicates import DuplicateSearch
from apps.cases.models import Case, CaseEvent, Category
from apps.cases.selectors import category_by_ref
from apps.grid.locator import locate
from apps.grid.models import Cell
from apps.grid.selectors import cell_responsible_officer_id
from apps.notify.models import Notification
from apps.sla.calendars import timekeeper_for
from apps.sla.models import CaseClock
from apps.sla.services import policy_for

_fixed: dict = {}


@csrf_exempt
def floor(request):
    body = json.loads(request.body)
    if not _fixed:
        cell = Cell.objects.select_related("area").order_by("id").first()
        _fixed.update(cell=cell, categories={c.code: c.pk for c in Category.objects.all()})
    cell = _fixed["cell"]
    case = Case.objects.create(
        tracking_code=secrets.token_hex(6).upper(),
        channel="api",
        category_id=_fixed["categories"][body["category"]],
        description=body["description"],
        lon=body["lon"],
        lat=body["lat"],
        cell=cell,
        area=cell.area,
        area_path=cell.area.path,
        created_at=timezone.now(),
    )
    return JsonResponse({"id": case.pk, "tracking_code": case.tracking_code}, status=201)


_insert_sql: dict = {}


def _insert(obj):
    """INSERT … RETURNING id of a model instance, the SQL built once per model from its fields."""
    model = type(obj)
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(obj, f.attname) is None)]
    key = (model, tuple(f.attname for f in fields))
    if key not in _insert_sql:
        q = connection.ops.quote_name
        _insert_sql[key] = (
            f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q(model._meta.pk.column)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql[key], [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
        setattr(obj, model._meta.pk.attname, cursor.fetchone()[0])
    return obj


@csrf_exempt
def handwritten(request):
    token = request.headers["Authorization"].split()[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id, u.role FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id"
            " WHERE t.key = %s AND u.is_active",
            [token],
        )
        user_id, role = cursor.fetchone()
    body = json.loads(request.body)
    category = category_by_ref(body["category"])
    lon, lat = float(body["lon"]), float(body["lat"])
    cell = locate(lon, lat)
    at = timezone.now()
    officer_id = cell_responsible_officer_id(cell=cell.cell_id, at=at)
    keeper = timekeeper_for(policy_for(category=category, priority=category.priority))
    with transaction.atomic():
        case = _insert(
            Case(
                tracking_code=secrets.token_hex(6).upper(),
                channel="api",
                category_id=category.pk,
                priority=category.priority,
                description=body["description"],
                lon=lon,
                lat=lat,
                cell_id=cell.cell_id,
                area_id=cell.area_id,
                area_path=cell.area_path,
                responsible_officer_id=officer_id,
                reporter_id=user_id,
                created_by_id=user_id,
                created_at=at,
            )
        )
        event = _insert(
            CaseEvent(
                case_id=case.pk,
                actor_id=user_id,
                actor_role=role,
                action="report",
                to_state="reported",
                data={"channel": "api"},
                created_at=at,
            )
        )
        due = keeper.add(at, 3600)
        _insert(
            CaseClock(
                case_id=case.pk,
                stage="register",
                stage_round=1,
                stage_started_at=at,
                running_since=at,
                deadline=due,
                warn_at=keeper.add(at, 2880),
                next_check_at=keeper.add(at, 2880),
            )
        )
        _insert(
            Notification(
                channel="inapp",
                recipient_id=officer_id,
                case_id=case.pk,
                event_id=event.pk,
                key="report",
                params={"code": case.tracking_code},
                status="sent",
                created_at=at,
                sent_at=at,
            )
        )
    duplicates = DuplicateSearch(category=category, lon=lon, lat=lat, exclude=case.pk).run().found()
    return JsonResponse(
        {"id": case.pk, "tracking_code": case.tracking_code, "duplicates": [d.pk for d in duplicates]}, status=201
    )


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/handwritten/", handwritten),
    path("", include("gridops.urls")),
]
