from django import forms
from django.contrib import admin, messages
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from apps.cases.choices import Priority
from gridops.admin import ReadOnlyAdmin

from .calendars import calendar_touch, holiday_data_warnings
from .models import BusinessCalendar, CalendarDay, CaseClock, ClockRequest, SlaAlert, SlaPolicy, StageRecord


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


class HolidayDataWarningMixin:
    def changelist_view(self, request, extra_context=None):
        for text in holiday_data_warnings():
            messages.warning(request, text)
        return super().changelist_view(request, extra_context)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(HolidayDataWarningMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_default", "use_public_holidays", "updated_at"]
    inlines = [CalendarDayInline]

    def get_deleted_objects(self, objs, request):
        """Policies without a calendar of their own count in the default one: it is kept while they
        exist, like a calendar a policy names (deleted, their cases would count in the built-in
        calendar, without the days entered here)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if any(calendar.is_default for calendar in objs):
            name = capfirst(SlaPolicy._meta.verbose_name)
            protected = [
                *protected,
                *(
                    _("%(model)s: %(policy)s (no calendar of its own: uses the default calendar)")
                    % {"model": name, "policy": policy}
                    for policy in SlaPolicy.objects.filter(calendar=None)
                ),
            ]
        return deleted, counts, perms_needed, protected


@admin.register(CalendarDay)
class CalendarDayAdmin(HolidayDataWarningMixin, admin.ModelAdmin):
    """Saving or deleting a day moves its calendar's `updated_at` (see the model): every process
    rebuilds the calendar."""

    list_display = ["date", "calendar", "is_workday", "note"]
    list_filter = ["calendar", "is_workday"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "calendar" in form.changed_data:  # the calendar it left changes too
            calendar_touch(calendar_id=form.initial["calendar"])

    def delete_queryset(self, request, queryset):
        # "Delete selected" deletes in bulk, without the model's delete().
        calendar_ids = set(queryset.values_list("calendar_id", flat=True))
        super().delete_queryset(request, queryset)
        for calendar_id in calendar_ids:
            calendar_touch(calendar_id=calendar_id)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "priority",
        "basis",
        "register_amount",
        "register_unit",
        "dispatch_amount",
        "dispatch_unit",
        "handle_amount",
        "handle_unit",
        "verify_amount",
        "verify_unit",
        "warning_percent",
        "max_extensions",
        "is_active",
    ]
    list_filter = ["basis", "is_active"]
    list_select_related = ["category"]
    search_fields = ["name", "category__code", "category__name"]
    autocomplete_fields = []

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A policy applies to cases of exactly this priority: offer the priorities, not free text.
        if db_field.name == "priority":
            kwargs["widget"] = forms.Select(choices=[("", "---------"), *Priority.choices])
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(CaseClock)
class CaseClockAdmin(admin.ModelAdmin):
    list_display = [
        "case",
        "stage",
        "stage_round",
        "deadline",
        "warned",
        "escalation_level",
        "is_suspended",
        "next_check_at",
    ]
    list_filter = ["stage", "escalation_level", "is_suspended"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "policy", "department"]
    readonly_fields = [f.name for f in CaseClock._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SlaAlert)
class SlaAlertAdmin(admin.ModelAdmin):
    list_display = ["case", "stage", "stage_round", "kind", "level", "due_at", "created_at"]
    list_filter = ["kind", "level", "stage"]
    raw_id_fields = ["case"]


@admin.register(ClockRequest)
class ClockRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "stage", "status", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["case", "requested_by", "decided_by"]
    raw_id_fields = ["case", "requested_by", "decided_by"]


@admin.register(StageRecord)
class StageRecordAdmin(ReadOnlyAdmin):
    """Finished stages are facts: read only."""

    list_display = [
        "case",
        "stage",
        "stage_round",
        "department",
        "started_at",
        "ended_at",
        "ended_by",
        "on_time",
        "escalation_level",
    ]
    list_filter = ["stage", "on_time", "escalation_level", "department"]
    list_select_related = ["case", "department"]
    date_hierarchy = "ended_at"
    readonly_fields = [f.name for f in StageRecord._meta.fields]
