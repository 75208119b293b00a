"""Builders for test data. Plain functions: explicit, fast, no magic."""

from __future__ import annotations

import itertools

from apps.accounts.models import Department, User
from apps.grid import services as grid_services
from apps.grid.models import Area, Cell

_seq = itertools.count(1)


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON polygon: the square with south-west corner (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def make_user(role: str, *, username: str | None = None, department: Department | None = None, **extra) -> User:
    username = username or f"{role}{next(_seq)}"
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        department=department,
        full_name=extra.pop("full_name", username),
        **extra,
    )
    return user


def make_department(code: str, name: str = "", name_en: str = "") -> Department:
    return Department.objects.create(code=code, name=name or code, name_en=name_en or code)


def make_area(code: str, level: str, parent: Area | None = None, geometry: dict | None = None, name: str = "") -> Area:
    return grid_services.area_create(
        code=code, name=name or code, name_en=name or code, level=level, parent=parent, geometry=geometry
    )


def make_cell(code: str, area: Area, lon: float, lat: float, size: float = 0.01) -> Cell:
    return grid_services.cell_create(code=code, name=code, name_en=code, area=area, geometry=square(lon, lat, size))
