"""PostgreSQL serves the path-prefix scopes (a supervisor's area, the area filter) from an index."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from apps.cases.models import Case

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="operator classes and plans are PostgreSQL's"),
]


def test_an_area_prefix_is_an_index_range_whatever_the_collation():
    queryset = Case.objects.filter(area_path__startswith="440300/440304/").values_list("pk", flat=True)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "cases_area_path" in plan, plan
    assert "Seq Scan" not in plan, plan
