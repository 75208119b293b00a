"""Intake validates and answers with one serializer instance per process (`gridops.api.shared_*`):
the same values and the same errors as a serializer built per request, and nothing kept between
requests."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from apps.cases.api.serializers import CaseIntakeInput, CaseIntakeOutput
from apps.cases.models import Case
from gridops.api import shared_represent, shared_validate

pytestmark = pytest.mark.django_db

GOOD = {"category": "E0101", "description": " 垃圾 ", "lon": "114.005", "lat": 22.505}
BAD = [
    {},
    {"category": "NOPE", "description": "", "lon": "east", "crs": "utm"},
    {**GOOD, "description": "x" * 2001, "reporter_phone": "1" * 40},
    ["not", "a", "mapping"],
]


def _per_request(data):
    serializer = CaseIntakeInput(data=data)
    if serializer.is_valid():
        return serializer.validated_data, None
    return None, serializer.errors


def _shared(data):
    try:
        return shared_validate(CaseIntakeInput, data), None
    except ValidationError as exc:
        return None, exc.detail


@pytest.mark.parametrize("data", [GOOD, *BAD])
def test_the_same_values_and_errors_as_a_serializer_per_request(category, data):
    assert _shared(data) == _per_request(data)


def test_nothing_is_kept_from_one_request_to_the_next(category):
    for data in (*BAD, GOOD, BAD[1], GOOD):
        assert _shared(data) == _per_request(data)
    values, _ = _shared(GOOD)
    assert values["category"] == category and values["description"] == "垃圾" and values["photos"] == []


def test_the_answer_is_the_output_serializers(city, category):
    case = Case(pk=7, tracking_code="ABCD2345EFGH", state="reported", description="井盖", created_at=timezone.now())
    case.distance_m = 12.5
    payload = {
        "id": 8,
        "tracking_code": "WXYZ",
        "state": "reported",
        "cell": None,
        "area_path": "4403/",
        "duplicates": [case],
    }
    assert shared_represent(CaseIntakeOutput, payload) == CaseIntakeOutput(payload).data
    assert shared_represent(CaseIntakeOutput, {**payload, "duplicates": []})["duplicates"] == []
