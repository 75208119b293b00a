"""Reads of the resident portal."""

from __future__ import annotations

from apps.grid.choices import AreaLevel
from apps.grid.models import Area


def community_list() -> list[Area]:
    """Every community (社区) with its subdistrict and district, in the grid's order, for the
    report form's "choose your community". Boundaries are not read: they are large."""
    return list(
        Area.objects.filter(level=AreaLevel.COMMUNITY)
        .select_related("parent__parent")
        .only(
            "id",
            "code",
            "name",
            "name_en",
            "path",
            "parent__id",
            "parent__name",
            "parent__name_en",
            "parent__parent__id",
            "parent__parent__name",
            "parent__parent__name_en",
        )
        .order_by("path")
    )
