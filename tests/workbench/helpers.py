"""Builders shared by the page tests (workbench and portal): categories, cases moved through the loop
by the real services, and small valid photos."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.cases import services as case_services
from apps.cases.choices import CaseState, CategoryKind, Channel
from apps.cases.models import Case, Category
from apps.cases.workflow import Action
from tests.conftest import LAT_A, LON_A


def png(name: str = "photo.png", color=(200, 40, 40)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def make_categories(city) -> dict[str, Category]:
    env = Category.objects.create(code="E01", name="市容环境", name_en="City appearance", kind=CategoryKind.EVENT)
    garbage = Category.objects.create(
        code="E0101",
        name="暴露垃圾",
        name_en="Exposed garbage",
        kind=CategoryKind.EVENT,
        parent=env,
        default_department=city.dept_x,
    )
    roads = Category.objects.create(
        code="C02", name="道路交通", name_en="Roads and traffic", kind=CategoryKind.COMPONENT
    )
    pothole = Category.objects.create(
        code="C0201",
        name="道路破损",
        name_en="Damaged road",
        kind=CategoryKind.COMPONENT,
        parent=roads,
        default_department=city.dept_y,
    )
    return {"env": env, "garbage": garbage, "roads": roads, "pothole": pothole}


def report(
    category: Category,
    *,
    actor=None,
    lon: float = LON_A + 0.005,
    lat: float = LAT_A + 0.005,
    description: str = "路边堆放了很多垃圾",
    channel: str = Channel.RESIDENT_WEB,
    **extra,
) -> Case:
    return case_services.case_intake(
        actor=actor, channel=channel, category=category, description=description, lon=lon, lat=lat, **extra
    )


def advance(case: Case, cast, city, to: str) -> Case:
    """Move a case in cell A through the loop with the cast until it reaches `to`."""
    steps = [
        (CaseState.REGISTERED, cast.dispatcher, Action.REGISTER, {}),
        (CaseState.DISPATCHED, cast.dispatcher, Action.DISPATCH, {"department": city.dept_x}),
        (CaseState.IN_PROGRESS, cast.handler_x, Action.ACCEPT, {}),
        (CaseState.RESOLVED, cast.handler_x, Action.RESOLVE, {"note": "已清理", "photos": [png("after.png")]}),
        (CaseState.CLOSED, cast.officer_a, Action.VERIFY_PASS, {}),
    ]
    for state, actor, action, kwargs in steps:
        if case.state == to:
            break
        case = case_services.case_transition(case=case, actor=actor, action=action, **kwargs)
        if state == to:
            break
    case.refresh_from_db()
    return case


def unresolved_describedby(html: str) -> list[str]:
    """The ids that an aria-describedby in the page names but no element carries."""
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    named = [i for refs in re.findall(r'aria-describedby="([^"]*)"', html) for i in refs.split()]
    return [i for i in named if i not in ids]
