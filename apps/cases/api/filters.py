from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from apps.grid.models import Area

from ..choices import CaseState
from ..models import Case


class IdFilter(django_filters.Filter):
    """A database id: a whole number the database can hold (a larger one is a 400, not a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class InstantField(IsoDateTimeField):
    """ISO 8601 instant between the years 1900 and 9000 (outside, the database cannot compare it)."""

    default_error_messages = {"range": _("Give a date between the years 1900 and 9000.")}

    def to_python(self, value):
        try:
            value = super().to_python(value)
            year = value.astimezone(UTC).year if value is not None and value.tzinfo else getattr(value, "year", None)
        except OverflowError:
            year = 0
        if year is not None and not 1900 <= year <= 9000:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return value


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


class CaseFilter(django_filters.FilterSet):
    """Filters of the case list. `area` takes an area code at any level (everything below it)."""

    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices)
    category = django_filters.CharFilter(method="filter_category", help_text="Category code (or its parent's code)")
    area = django_filters.CharFilter(method="filter_area", help_text="Area code at any level")
    cell = django_filters.CharFilter(field_name="cell__code", help_text="Cell code")
    department = django_filters.CharFilter(field_name="department__code", help_text="Department code")
    assignee = IdFilter(field_name="assignee_id", help_text="User id of the assignee")
    created_after = InstantFilter(field_name="created_at", lookup_expr="gte", help_text="ISO 8601, inclusive")
    created_before = InstantFilter(field_name="created_at", lookup_expr="lt", help_text="ISO 8601, exclusive")
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
