"""The API's content negotiation answers as DRF's own rules do, whatever the client asks for."""

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from gridops.negotiation import ContentNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


def _choice(negotiator, *, accept=None, query="", suffix=None, renderers=RENDERERS):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/v1/cases/{query}", **headers))
    try:
        renderer, media_type = negotiator.select_renderer(request, renderers, suffix)
    except NotAcceptable:
        return "406"
    return type(renderer).__name__, media_type


@pytest.mark.parametrize(
    ("accept", "query", "suffix"),
    [
        (None, "", None),
        ("*/*", "", None),
        ("application/json", "", None),
        ("text/html", "", None),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", None),
        ("application/json; indent=4", "", None),
        ("application/json;q=0.5, text/html", "", None),
        ("image/png", "", None),
        ("", "", None),
        ("*/*", "?format=api", None),
        (None, "?format=json", None),
        ("text/html", "?format=json", None),
        ("*/*", "?page=2&state=reported", None),
        ("*/*", "", "json"),
        ("application/json", "", "api"),
    ],
)
def test_same_choice_as_drf(accept, query, suffix):
    assert _choice(ContentNegotiation(), accept=accept, query=query, suffix=suffix) == _choice(
        DefaultContentNegotiation(), accept=accept, query=query, suffix=suffix
    )


def test_a_client_without_accept_header_gets_json():
    assert _choice(ContentNegotiation()) == ("JSONRenderer", "application/json")


def test_the_api_uses_it(client, db):
    answer = client.get("/api/v1/cases/", HTTP_ACCEPT="*/*")
    assert answer.status_code in (401, 403)
    assert answer["Content-Type"] == "application/json"
