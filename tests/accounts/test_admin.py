"""The user admin: roles and departments must fit, a role is not taken away while its cells or
areas are still held, a new password ends the API tokens, the list costs a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.grid import services as grid_services
from apps.grid.models import CellAssignment

ADD = "/admin/accounts/user/add/"


def change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


@pytest.fixture
def admin_client(cast) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.admin)
    return client


def add(client: Client, **fields) -> tuple[int, dict]:
    data = {
        "username": "newbie",
        "usable_password": "true",
        "password1": "Gr1d-pass-2026",
        "password2": "Gr1d-pass-2026",
    }
    data.update({k: ("" if v is None else getattr(v, "pk", v)) for k, v in fields.items()})
    answer = client.post(ADD, data)
    return answer.status_code, (answer.context["adminform"].form.errors if answer.status_code == 200 else {})


def change(client: Client, user: User, **fields) -> tuple[int, dict]:
    data = {
        "username": user.username,
        "email": user.email,
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
        "role": user.role,
        "full_name": user.full_name,
        "phone": user.phone,
        "department": user.department_id or "",
        "reports_to": user.reports_to_id or "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
    }
    data.update({k: ("" if v is None else getattr(v, "pk", v)) for k, v in fields.items()})
    data = {k: v for k, v in data.items() if v != "" or k not in {"is_active", "is_staff", "is_superuser"}}
    answer = client.post(change_url(user), data)
    return answer.status_code, (answer.context["adminform"].form.errors if answer.status_code == 200 else {})


def test_a_handler_needs_a_department(admin_client, city):
    code, errors = add(admin_client, role=Role.HANDLER, department=None)
    assert code == 200 and list(errors) == ["department"]
    code, _errors = add(admin_client, role=Role.HANDLER, department=city.dept_x)
    assert code == 302 and User.objects.get(username="newbie").department == city.dept_x


def test_a_resident_belongs_to_no_department(admin_client, cast, city):
    code, errors = add(admin_client, role=Role.RESIDENT, department=city.dept_x)
    assert code == 200 and list(errors) == ["department"]
    code, errors = change(admin_client, cast.handler_x, role=Role.RESIDENT)
    assert code == 200 and list(errors) == ["department"]
    assert User.objects.get(pk=cast.handler_x.pk).role == Role.HANDLER


def test_no_one_reports_to_a_resident_or_to_themselves(admin_client, cast):
    code, errors = change(admin_client, cast.officer_a, reports_to=cast.resident)
    assert code == 200 and list(errors) == ["reports_to"]
    code, errors = change(admin_client, cast.supervisor_d, reports_to=cast.supervisor_d)
    assert code == 200 and list(errors) == ["reports_to"]
    code, _errors = change(admin_client, cast.officer_a, reports_to=cast.supervisor_d)
    assert code == 302 and User.objects.get(pk=cast.officer_a.pk).reports_to == cast.supervisor_d


def test_an_officer_still_answering_for_cells_keeps_the_role(admin_client, cast, city):
    # Else the cell would keep a "responsible officer" who is now a resident: alerts about its
    # cases would reach them and the public map would show their name.
    code, errors = change(admin_client, cast.officer_a, role=Role.RESIDENT)
    assert code == 200 and list(errors) == ["role"] and city.cell_a.code in errors["role"][0]
    for assignment in CellAssignment.objects.filter(officer=cast.officer_a):
        grid_services.assignment_end(assignment=assignment)
    code, _errors = change(admin_client, cast.officer_a, role=Role.RESIDENT)
    assert code == 302 and User.objects.get(pk=cast.officer_a.pk).role == Role.RESIDENT


def test_a_supervisor_still_overseeing_areas_keeps_the_role(admin_client, cast, city):
    code, errors = change(admin_client, cast.supervisor_d, role=Role.DISPATCHER)
    assert code == 200 and list(errors) == ["role"] and city.district_d.code in errors["role"][0]
    grid_services.supervisor_scope_revoke(supervisor=cast.supervisor_d, area=city.district_d)
    code, _errors = change(admin_client, cast.supervisor_d, role=Role.DISPATCHER)
    assert code == 302


def test_other_edits_of_an_assigned_officer_are_saved(admin_client, cast):
    code, _errors = change(admin_client, cast.officer_a, full_name="王伟")
    assert code == 302 and User.objects.get(pk=cast.officer_a.pk).full_name == "王伟"


def test_a_password_set_in_the_admin_ends_the_api_tokens(admin_client, cast):
    token = Token.objects.create(user=cast.hotline)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/cases/").status_code == 200
    answer = admin_client.post(
        f"/admin/accounts/user/{cast.hotline.pk}/password/",
        {"usable_password": "true", "password1": "N3w-hotline-pass", "password2": "N3w-hotline-pass"},
    )
    assert answer.status_code == 302
    assert api.get("/api/v1/cases/").status_code == 401
    assert not Token.objects.filter(user=cast.hotline).exists()


def test_deactivating_in_the_admin_ends_sessions_and_tokens_at_once(admin_client, cast):
    token = Token.objects.create(user=cast.dispatcher)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    browser = Client()
    browser.force_login(cast.dispatcher)
    assert browser.get("/work/").status_code == 200 and api.get("/api/v1/cases/").status_code == 200
    code, _errors = change(admin_client, cast.dispatcher, is_active="")
    assert code == 302
    assert browser.get("/work/").status_code == 302  # to the sign-in page
    assert api.get("/api/v1/cases/").status_code == 401


def test_the_user_list_costs_the_same_queries_for_many_users(admin_client, city, cast):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/accounts/user/").status_code == 200
        return len(captured)

    few = queries()
    User.objects.bulk_create(
        User(username=f"h{i}", role=Role.HANDLER, department=city.dept_y, reports_to=cast.supervisor_d)
        for i in range(120)
    )
    assert queries() == few


def test_an_account_that_does_not_fit_can_still_be_switched_off(admin_client, cast):
    """A handler saved without a department before the rule existed: deactivating them must not
    wait for a department to be chosen first."""
    User.objects.filter(pk=cast.handler_y.pk).update(department=None)
    handler = User.objects.get(pk=cast.handler_y.pk)
    code, errors = change(admin_client, handler, full_name="赵六")
    assert code == 200 and list(errors) == ["department"]
    code, _errors = change(admin_client, handler, is_active="")
    assert code == 302 and not User.objects.get(pk=handler.pk).is_active


def test_createsuperuser_makes_an_administrator_with_the_workbench(db):
    """The first account of a new database: with the resident's default role it reached /admin/
    but was sent to the residents' pages and refused the workbench."""
    import os
    from unittest import mock

    from django.core.management import call_command

    with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": "Gr1d-first-admin"}):
        call_command("createsuperuser", "--noinput", username="root", email="root@example.org", verbosity=0)
    root = User.objects.get(username="root")
    assert root.role == Role.ADMIN and root.is_superuser
    client = Client()
    client.force_login(root)
    assert client.get("/work/").status_code == 200
