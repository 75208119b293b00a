"""Cases fixtures on top of the shared cast: categories, cases in every state, image files."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from apps.cases import services
from apps.cases.choices import CaseState, CategoryKind, Channel, Priority
from apps.cases.models import Category
from apps.cases.workflow import Action
from tests.conftest import LAT_A, LAT_B, LAT_C, LON_A, LON_B, LON_C

# Points well inside each cell of the cast's city.
POINT = {"a": (LON_A + 0.005, LAT_A + 0.005), "b": (LON_B + 0.005, LAT_B + 0.005), "c": (LON_C + 0.005, LAT_C + 0.005)}


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 30, 30), exif=None) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def jpeg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG", **kwargs), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def category(city) -> Category:
    parent = Category.objects.create(code="E01", name="市容环境", name_en="City appearance", kind=CategoryKind.EVENT)
    return Category.objects.create(
        code="E0101",
        name="暴露垃圾",
        name_en="Exposed garbage",
        kind=CategoryKind.EVENT,
        parent=parent,
        default_department=city.dept_x,
        priority=Priority.NORMAL,
    )


@pytest.fixture
def category_road(city) -> Category:
    return Category.objects.create(
        code="C0201",
        name="道路破损",
        name_en="Damaged road",
        kind=CategoryKind.COMPONENT,
        default_department=city.dept_y,
    )


@pytest.fixture
def report(cast, category):
    """report(cell="a", by=None, **kw) -> a new `reported` case in that cell."""

    def make(cell: str = "a", by=None, **kwargs):
        lon, lat = POINT[cell]
        values = {
            "actor": by if by is not None else cast.resident,
            "channel": Channel.RESIDENT_WEB,
            "category": category,
            "description": "小区门口有一堆垃圾没人清理",
            "lon": lon,
            "lat": lat,
            "reporter_name": "张三",
            "reporter_phone": "13800138000",
        }
        values.update(kwargs)
        return services.case_intake(**values)

    return make


# The path from `reported` to each state: (action, who, extra inputs)
def _dispatch_inputs(city):
    return {"department": city.dept_x}


@pytest.fixture
def case_in(cast, city, report):
    """case_in(state, cell="a") -> a case of department X in `state`, reached through the workflow."""

    def make(state: str, cell: str = "a", **kwargs):
        now = timezone.now() - timedelta(hours=1)
        kwargs.setdefault("at", now)
        case = report(cell, **kwargs)
        officer = {"a": cast.officer_a, "b": cast.officer_b, "c": cast.officer_c}[cell]
        steps = {
            CaseState.REPORTED: [],
            CaseState.REGISTERED: [(Action.REGISTER, cast.dispatcher, {})],
            CaseState.DISPATCHED: [
                (Action.REGISTER, cast.dispatcher, {}),
                (Action.DISPATCH, cast.dispatcher, {"department": city.dept_x}),
            ],
            CaseState.IN_PROGRESS: [
                (Action.REGISTER, cast.dispatcher, {}),
                (Action.DISPATCH, cast.dispatcher, {"department": city.dept_x}),
                (Action.ACCEPT, cast.handler_x, {}),
            ],
            CaseState.RESOLVED: [
                (Action.REGISTER, cast.dispatcher, {}),
                (Action.DISPATCH, cast.dispatcher, {"department": city.dept_x}),
                (Action.ACCEPT, cast.handler_x, {}),
                (Action.RESOLVE, cast.handler_x, {"note": "已清理", "photos": [jpeg("after.jpg")]}),
            ],
            CaseState.CLOSED: [
                (Action.REGISTER, cast.dispatcher, {}),
                (Action.DISPATCH, cast.dispatcher, {"department": city.dept_x}),
                (Action.ACCEPT, cast.handler_x, {}),
                (Action.RESOLVE, cast.handler_x, {"note": "已清理", "photos": [jpeg("after.jpg")]}),
                (Action.VERIFY_PASS, officer, {}),
            ],
            CaseState.REJECTED: [(Action.REJECT, cast.dispatcher, {"note": "不属于受理范围"})],
        }[state]
        for i, (action, actor, extra) in enumerate(steps):
            case = services.case_transition(
                case=case, actor=actor, action=action, at=now + timedelta(minutes=i + 1), **extra
            )
        assert case.state == state
        return case

    return make
