"""API tokens for integrations: obtain with a password, use, revoke; guessing is slowed down."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hotline_system(cast):
    cast.hotline.set_password("s3cret-pass")
    cast.hotline.save()
    return cast.hotline


def test_a_token_for_a_password_works_for_the_api_and_can_be_revoked(hotline_system):
    answer = APIClient().post(URL, {"username": hotline_system.username, "password": "s3cret-pass"}, format="json")
    assert answer.status_code == 200
    token = answer.json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200
    # asking again gives the same token
    again = APIClient().post(URL, {"username": hotline_system.username, "password": "s3cret-pass"}, format="json")
    assert again.json()["token"] == token
    assert client.delete(URL).status_code == 204
    assert client.get("/api/v1/cases/").status_code == 401


def test_a_wrong_password_is_400_naming_the_field(hotline_system):
    answer = APIClient().post(URL, {"username": hotline_system.username, "password": "nope"}, format="json")
    assert answer.status_code == 400 and "password" in answer.json()
    missing = APIClient().post(URL, {"password": "nope"}, format="json")
    assert missing.status_code == 400 and "username" in missing.json()


def test_password_guessing_is_throttled(hotline_system, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    client = APIClient()
    codes = [
        client.post(URL, {"username": "hotline", "password": f"guess{i}"}, format="json").status_code for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_an_inactive_account_gets_no_token(hotline_system):
    hotline_system.is_active = False
    hotline_system.save()
    answer = APIClient().post(URL, {"username": hotline_system.username, "password": "s3cret-pass"}, format="json")
    assert answer.status_code == 400
