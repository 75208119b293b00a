import re

import pytest

from tests.workbench.helpers import make_categories


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cats(city):
    return make_categories(city)


@pytest.fixture
def client_as(client, cast):
    """client_as(user) -> the test client logged in as that user (None: anonymous)."""

    def make(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return make


def page_text(response) -> str:
    """The page without its tags: a tracking code is shown in groups of four, each its own element."""
    return re.sub(r"<[^>]+>", "", response.content.decode())
