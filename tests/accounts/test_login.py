"""The sign-in page: errors at the field, usable on a phone, no enumeration, no open redirect,
and password guessing slowed down per address and per account name."""

from __future__ import annotations

import pytest
from django.test import Client

LOGIN = "/accounts/login/"


def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_an_empty_sign_in_shows_the_error_at_each_field(db):
    answer = en().post(LOGIN, {"username": "", "password": ""})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert html.count("This field is required.") == 2
    assert 'class="field has-error field-username"' in html and 'class="field has-error field-password"' in html


def test_the_username_box_does_not_capitalise_on_a_phone(db):
    # A phone keyboard capitalises the first letter; usernames are case-sensitive.
    html = en().get(LOGIN).content.decode()
    assert 'autocapitalize="none"' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_unknown_user_wrong_password_and_inactive_account_look_the_same(cast):
    cast.resident2.is_active = False
    cast.resident2.save()
    answers = [
        en().post(LOGIN, {"username": username, "password": password})
        for username, password in [("nobody", "x"), ("resident", "wrong"), ("resident2", "pw-resident2")]
    ]
    errors = [a.context["form"].errors for a in answers]
    assert all(a.status_code == 200 for a in answers)
    assert errors[0] == errors[1] == errors[2] and list(errors[0]) == ["__all__"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "https:/evil.example/"])
def test_next_pointing_to_another_site_lands_on_the_home_page(cast, target):
    client = en()
    answer = client.post(LOGIN, {"username": "resident", "password": "pw-resident", "next": target})
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert 'name="next" value=""' in client.get(f"{LOGIN}?next={target}").content.decode()


def test_sign_out_is_post_only(cast):
    client = en()
    client.force_login(cast.resident)
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert not signed_in(client)


def test_guessing_from_one_address_is_throttled(cast, three_a_minute):
    client = en()
    codes = [client.post(LOGIN, {"username": f"user{i}", "password": "guess"}).status_code for i in range(3)]
    throttled = client.post(LOGIN, {"username": "resident", "password": "pw-resident"})
    assert codes == [200, 200, 200]
    assert throttled.status_code == 429 and not signed_in(client)
    assert "Too many sign-in attempts" in throttled.content.decode()


def test_guessing_one_account_from_many_addresses_is_throttled(cast, three_a_minute):
    # X-Forwarded-For is whatever the client says: each guess can claim a new address.
    def guess(i: int, password: str = "guess") -> Client:
        client = en()
        client.answer = client.post(LOGIN, {"username": "resident", "password": password}, REMOTE_ADDR=f"10.0.0.{i}")
        return client

    assert [guess(i).answer.status_code for i in range(3)] == [200, 200, 200]
    last = guess(99, "pw-resident")
    assert last.answer.status_code == 429 and not signed_in(last)
    # other accounts are not held up
    other = en()
    assert other.post(LOGIN, {"username": "resident2", "password": "pw-resident2"}).status_code == 302


def test_an_unknown_account_name_is_throttled_like_a_real_one(cast, three_a_minute):
    def codes(username: str) -> list[int]:
        return [
            en().post(LOGIN, {"username": username, "password": "g"}, REMOTE_ADDR=f"10.1.{i}.1").status_code
            for i in range(4)
        ]

    assert codes("resident") == codes("no-such-person") == [200, 200, 200, 429]


def test_the_throttled_page_speaks_chinese(cast, three_a_minute):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(3):
        client.post(LOGIN, {"username": "resident", "password": "g"})
    answer = client.post(LOGIN, {"username": "resident", "password": "g"})
    assert answer.status_code == 429
    assert "登录尝试次数过多" in answer.content.decode()


def test_successful_sign_ins_are_never_held_up(cast, three_a_minute):
    """An office signing in at nine behind one address: only failed tries count."""
    for _ in range(6):
        client = en()
        answer = client.post(LOGIN, {"username": "resident", "password": "pw-resident"})
        assert answer.status_code == 302 and signed_in(client)


def test_an_empty_form_is_not_a_password_try(cast, three_a_minute):
    for _ in range(5):
        assert en().post(LOGIN, {"username": "", "password": ""}).status_code == 200
    assert en().post(LOGIN, {"username": "resident", "password": "pw-resident"}).status_code == 302
