"""`manage.py demo_logins`, which `make run` prints before serving."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.accounts.choices import Role
from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8000/", stdout=out)
    return out.getvalue()


def test_without_demo_accounts_it_claims_no_password():
    text = run()
    assert "demo1234" not in text and "load_demo" in text


def test_it_lists_the_demo_accounts_that_exist():
    User.objects.create_user(username="dispatcher", password="demo1234", role=Role.DISPATCHER)
    text = run()
    assert "demo1234" in text and "dispatcher" in text and "hotline " not in text
