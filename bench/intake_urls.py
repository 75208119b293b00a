"""Bench-only URLs: the product's URLs plus `/bench/floor/`, a bare view that inserts one Case row.

The floor parses the same JSON as intake and inserts a similar row with fixed routing and a random
code: the least any intake must do. It skips auth, validation, routing, history and hooks on purpose.
"""

import json
import secrets

from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from apps.cases.models import Case, Category
from apps.grid.models import Cell

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


urlpatterns = [
    path("bench/floor/", floor),
    path("", include("gridops.urls")),
]
