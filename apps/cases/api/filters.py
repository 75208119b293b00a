from __future__ import annotations

import django_filters
from django.db.models import Q

from apps.grid.models import Area

from ..choices import CaseState
from ..models import Case


class CaseFilter(django_filters.FilterSet):
    """Filters of the case list. `area` takes an area code at any level (everything below it)."""

    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices)
    category = django_filters.CharFilter(method="filter_category", help_text="Category code (or its parent's code)")
    area = django_filters.CharFilter(method="filter_area", help_text="Area code at any level")
    cell = django_filters.CharFilter(field_name="cell__code", help_text="Cell code")
    department = django_filters.CharFilter(field_name="department__code", help_text="Department code")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_text", help_text="Text in the description, or a tracking code")

    class Meta:
        model = Case
        fields = ["state", "category", "area", "cell", "department", "assignee", "created_after", "created_before", "q"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category__code=value) | Q(category__parent__code=value))

    def filter_area(self, queryset, name, value):
        path = Area.objects.filter(code=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(area_path__startswith=path)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(description__icontains=value) | Q(tracking_code=value.upper()))
