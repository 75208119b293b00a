"""API tokens for integrations: obtain with a password, use, revoke; guessing is slowed down."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

URL = "/api/v1/auth/token/"


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


def test_password_guessing_is_throttled(hotline_system, three_a_minute):
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


def test_guessing_one_account_from_many_addresses_is_throttled(hotline_system, three_a_minute):
    # A botnet, or addresses claimed through a proxy that passes X-Forwarded-For on.
    codes = [
        APIClient()
        .post(URL, {"username": "hotline", "password": f"guess{i}"}, format="json", REMOTE_ADDR=f"10.0.0.{i}")
        .status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    other = APIClient().post(URL, {"username": "dispatcher", "password": "pw-dispatcher"}, format="json")
    assert other.status_code == 200


def test_an_overlong_username_is_400_naming_it(hotline_system):
    answer = APIClient().post(URL, {"username": "h" * 151, "password": "s3cret-pass"}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["username"]


@pytest.mark.parametrize("username", [["hotline"], {"a": 1}, None, True])
def test_a_username_that_is_not_text_is_400_naming_it(hotline_system, username):
    answer = APIClient().post(URL, {"username": username, "password": "s3cret-pass"}, format="json")
    assert answer.status_code == 400 and "username" in answer.json()


def test_unknown_user_and_wrong_password_get_the_same_answer(hotline_system):
    unknown = APIClient().post(URL, {"username": "nobody", "password": "s3cret-pass"}, format="json")
    wrong = APIClient().post(URL, {"username": "hotline", "password": "wrong"}, format="json")
    assert unknown.status_code == wrong.status_code == 400 and unknown.json() == wrong.json()


def test_a_failed_try_logs_neither_the_password_nor_the_name(hotline_system, caplog):
    hotline_system.phone = "13700137000"
    hotline_system.save()
    caplog.set_level("DEBUG")
    APIClient().post(URL, {"username": "13700137000", "password": "s3cret-guess"}, format="json")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "s3cret-guess" not in logged and "13700137000" not in logged


def test_an_address_claimed_in_x_forwarded_for_is_not_believed(hotline_system, three_a_minute):
    """Without proxies configured (NUM_PROXIES=0) the address is the connection's: a guesser
    cannot get a fresh allowance by sending a new X-Forwarded-For with every try."""
    codes = [
        APIClient()
        .post(URL, {"username": f"name{i}", "password": "guess"}, format="json", HTTP_X_FORWARDED_FOR=f"10.9.0.{i}")
        .status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_tokens_handed_out_do_not_count_as_tries(hotline_system, three_a_minute):
    for _ in range(5):
        answer = APIClient().post(URL, {"username": "hotline", "password": "s3cret-pass"}, format="json")
        assert answer.status_code == 200
