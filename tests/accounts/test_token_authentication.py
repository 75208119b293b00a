"""Token authentication: one query per request; revoked tokens and deactivated accounts refused at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

LIST = "/api/v1/cases/"


@pytest.fixture
def token(cast):
    return Token.objects.create(user=cast.dispatcher)


def client_with(header: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE="en")


def test_a_valid_token_is_its_user_in_one_query(token, cast):
    from apps.accounts.authentication import TokenAuthentication

    request = RequestFactory().get(LIST, HTTP_AUTHORIZATION=f"Token {token.key}")
    with CaptureQueriesContext(connection) as queries:
        user, auth = TokenAuthentication().authenticate(request)
    assert len(queries) == 1
    assert user.pk == cast.dispatcher.pk and user.role == cast.dispatcher.role and user.username == "dispatcher"
    assert auth.key == token.key and auth.user is user and auth.created == token.created
    assert user.is_active is True and user.is_superuser is False  # booleans, also on SQLite
    assert user.date_joined == cast.dispatcher.date_joined and user.date_joined.tzinfo is not None
    assert client_with(f"Token {token.key}").get(LIST).status_code == 200


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Token 0123456789abcdef0123456789abcdef01234567", "Invalid token."),
        ("Token", "Invalid token header. No credentials provided."),
        ("Token a b", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_a_bad_token_is_401_with_the_reason_and_the_scheme(token, header, reason):
    answer = client_with(header).get(LIST)
    assert answer.status_code == 401
    assert answer.json()["detail"] == reason
    assert answer["WWW-Authenticate"] == "Token"


def test_revoking_or_deactivating_takes_effect_on_the_next_request(token, cast):
    client = client_with(f"Token {token.key}")
    assert client.get(LIST).status_code == 200
    cast.dispatcher.is_active = False
    cast.dispatcher.save()
    refused = client.get(LIST)
    assert refused.status_code == 401 and refused.json()["detail"] == "User inactive or deleted."
    cast.dispatcher.is_active = True
    cast.dispatcher.save()
    assert client.get(LIST).status_code == 200
    token.delete()
    assert client.get(LIST).status_code == 401


def test_the_refusal_speaks_chinese(token):
    client = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    answer = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "认证令牌无效。"
