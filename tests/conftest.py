"""The fixed cast every test can use.

A small city: district D (福田) with one community holding cells A and B side by side, and
district E (南山) with cell C. People: an officer for each cell, a handler in department X and
one in department Y, a dispatcher, a hotline operator, a supervisor of district D, a supervisor
of district E, two residents and an admin.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from apps.grid import services as grid_services
from apps.grid.choices import AreaLevel
from apps.grid.models import Area, Cell

from . import factories

# Cells are 0.01° squares near Futian: A at (114.00, 22.50), B east of it, C in Nanshan.
LON_A, LAT_A = 114.00, 22.50
LON_B, LAT_B = 114.01, 22.50
LON_C, LAT_C = 113.90, 22.50


@dataclass
class City:
    city: Area
    district_d: Area
    district_e: Area
    subdistrict_d: Area
    community_d: Area
    subdistrict_e: Area
    community_e: Area
    cell_a: Cell
    cell_b: Cell
    cell_c: Cell
    dept_x: Department
    dept_y: Department


@dataclass
class Cast:
    officer_a: User
    officer_b: User
    officer_c: User
    handler_x: User
    handler_y: User
    dispatcher: User
    hotline: User
    supervisor_d: User
    supervisor_e: User
    resident: User
    resident2: User
    admin: User


@pytest.fixture
def city(db) -> City:
    city = factories.make_area("440300", AreaLevel.CITY, name="深圳市", geometry=factories.square(113.80, 22.40, 0.40))
    district_d = factories.make_area(
        "440304", AreaLevel.DISTRICT, city, factories.square(113.95, 22.45, 0.15), "福田区"
    )
    district_e = factories.make_area(
        "440305", AreaLevel.DISTRICT, city, factories.square(113.85, 22.45, 0.10), "南山区"
    )
    sub_d = factories.make_area("440304001", AreaLevel.SUBDISTRICT, district_d, name="园岭街道")
    com_d = factories.make_area("440304001001", AreaLevel.COMMUNITY, sub_d, name="红荔社区")
    sub_e = factories.make_area("440305001", AreaLevel.SUBDISTRICT, district_e, name="南头街道")
    com_e = factories.make_area("440305001001", AreaLevel.COMMUNITY, sub_e, name="前海社区")
    return City(
        city=city,
        district_d=district_d,
        district_e=district_e,
        subdistrict_d=sub_d,
        community_d=com_d,
        subdistrict_e=sub_e,
        community_e=com_e,
        cell_a=factories.make_cell("440304001001001", com_d, LON_A, LAT_A),
        cell_b=factories.make_cell("440304001001002", com_d, LON_B, LAT_B),
        cell_c=factories.make_cell("440305001001001", com_e, LON_C, LAT_C),
        dept_x=factories.make_department("SAN", "环卫", "Sanitation"),
        dept_y=factories.make_department("ROAD", "道路", "Roads"),
    )


@pytest.fixture
def cast(city: City) -> Cast:
    mk = factories.make_user
    people = Cast(
        officer_a=mk(Role.OFFICER, username="officer_a"),
        officer_b=mk(Role.OFFICER, username="officer_b"),
        officer_c=mk(Role.OFFICER, username="officer_c"),
        handler_x=mk(Role.HANDLER, username="handler_x", department=city.dept_x),
        handler_y=mk(Role.HANDLER, username="handler_y", department=city.dept_y),
        dispatcher=mk(Role.DISPATCHER, username="dispatcher"),
        hotline=mk(Role.HOTLINE, username="hotline"),
        supervisor_d=mk(Role.SUPERVISOR, username="supervisor_d"),
        supervisor_e=mk(Role.SUPERVISOR, username="supervisor_e"),
        resident=mk(Role.RESIDENT, username="resident", phone="13800138000"),
        resident2=mk(Role.RESIDENT, username="resident2", phone="13900139000"),
        admin=User.objects.create_superuser(username="admin", password="pw-admin", role=Role.ADMIN),
    )
    grid_services.assignment_create(cell=city.cell_a, officer=people.officer_a)
    grid_services.assignment_create(cell=city.cell_b, officer=people.officer_b)
    grid_services.assignment_create(cell=city.cell_c, officer=people.officer_c)
    grid_services.supervisor_scope_grant(supervisor=people.supervisor_d, area=city.district_d)
    grid_services.supervisor_scope_grant(supervisor=people.supervisor_e, area=city.district_e)
    return people


@pytest.fixture(autouse=True)
def _tasks_run_in_process():
    """Celery tasks run in-process in tests, whatever REDIS_URL says; the tests that need a real
    worker on Redis switch the broker themselves (tests/notify/conftest.py: celery_broker)."""
    from gridops.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code run outside a request (services, commands) speaks English in tests, so messages can
    be asserted as written; requests take their language from the client as in production."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test starts with empty reference-table caches: a rolled-back test's rows must not linger."""
    from gridops.localcache import clear_all

    clear_all()
    yield
    clear_all()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(cast):
    """api_as(user) -> an APIClient logged in as that user."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def pytest_configure(config):
    from django.conf import settings

    # Hashing passwords properly is slow on purpose; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
