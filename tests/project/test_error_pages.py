"""Error pages speak the visitor's language and lead somewhere: 400, 403, the expired form (CSRF),
404 and 500 (the API answers JSON instead; see tests/cases/test_api.py)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from gridops import api as handlers

pytestmark = pytest.mark.django_db


def zh() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-CN")


def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_a_missing_page_says_so_in_the_visitors_language_and_leads_home():
    answer = zh().get("/no-such-page/")
    html = answer.content.decode()
    assert answer.status_code == 404
    assert "此页面不存在" in html and 'href="/"' in html and "中文" in html  # the site's layout
    assert "This page does not exist" in en().get("/no-such-page/").content.decode()


def test_a_page_a_role_may_not_open_is_a_page_not_a_bare_forbidden(cast):
    client = zh()
    client.force_login(cast.resident)
    answer = client.get("/grid/")
    assert answer.status_code == 403
    assert "您无权打开此页面" in answer.content.decode()


def test_an_expired_form_says_what_to_do():
    answer = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-CN").post(
        "/accounts/login/", {"username": "resident", "password": "x"}
    )
    assert answer.status_code == 403
    assert "表单已过期" in answer.content.decode()


def test_a_server_error_page_needs_nothing_but_the_language():
    request = RequestFactory().get("/work/")
    with translation.override("zh-hans"):
        answer = handlers.server_error(request)
    assert answer.status_code == 500 and "出错了" in answer.content.decode()


def test_a_bad_request_page_outside_the_api():
    request = RequestFactory().get("/work/")
    with translation.override("en"):
        answer = handlers.bad_request(request)
    assert answer.status_code == 400 and "The request could not be understood" in answer.content.decode()
