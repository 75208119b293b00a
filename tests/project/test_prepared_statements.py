"""On PostgreSQL, a statement run again on a connection is prepared once and then only executed."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts.models import User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="prepared statements are a PostgreSQL feature"),
]


def test_a_repeated_orm_query_is_prepared_and_keeps_answering_with_new_values():
    users = [User.objects.create_user(username=f"prepared{i}", password="x") for i in range(7)]

    found = [User.objects.filter(username=user.username).values_list("pk", flat=True).get() for user in users]

    assert found == [user.pk for user in users]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "accounts_user" WHERE "accounts_user"."username" = $1%'],
        )
        assert cursor.fetchone()[0] == 1
