from django import forms
from django.contrib import admin, messages
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from apps.cases.choices import Priority
from gridops.admin import ReadOnlyAdmin

from .calendars import calendar_touch, holiday_data_warnings
from .models import BusinessCalendar, CalendarDay, CaseClock, ClockRequest, SlaAlert, SlaPolicy, StageRecord
from .reschedule import clocks_reschedule_after_commit

# The fields of a calendar that move the deadlines counted on it (besides its days).
RESCHEDULE_FIELDS = frozenset({"work_periods", "use_public_holidays", "is_default"})


class RecomputeNoticeMixin:
    """After a save or delete that changed a calendar, tells the user (below Django's own message)
    that the deadlines running on it are being recomputed: `calendar_touch` (a day saved or
    deleted) or the calendar's admin (its hours) has the recomputation run after the commit."""

    def recomputing(self, request, calendar: BusinessCalendar | None) -> None:
        if calendar is not None:
            request._sla_recomputing = {**getattr(request, "_sla_recomputing", {}), calendar.pk: calendar}

    def tell_recomputing(self, request) -> None:
        for calendar in getattr(request, "_sla_recomputing", {}).values():
            messages.info(
                request,
                _(
                    "The deadlines of the cases whose time counts on the calendar “%(name)s” are being "
                    "recomputed for the changed calendar. Warnings and escalations already sent stay as they were."
                )
                % {"name": calendar.name},
            )
        request._sla_recomputing = {}

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        self.tell_recomputing(request)
        return response

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        self.tell_recomputing(request)
        return response

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        self.tell_recomputing(request)
        return response


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


class HolidayDataWarningMixin:
    def changelist_view(self, request, extra_context=None):
        for text in holiday_data_warnings():
            messages.warning(request, text)
        return super().changelist_view(request, extra_context)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputeNoticeMixin, HolidayDataWarningMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_default", "use_public_holidays", "updated_at"]
    inlines = [CalendarDayInline]

    def save_model(self, request, obj, form, change):
        # Compared with the row, not with the form's initial values: another administrator may
        # have changed the calendar since this form was opened.
        before = BusinessCalendar.objects.filter(pk=obj.pk).values(*RESCHEDULE_FIELDS).first() if change else None
        super().save_model(request, obj, form, change)
        if before is None:  # a new calendar: only as the default can it count for running stages
            request._sla_calendar_changed = {"is_default"} if obj.is_default else set()
        else:
            request._sla_calendar_changed = {name for name in RESCHEDULE_FIELDS if before[name] != getattr(obj, name)}

    def save_related(self, request, form, formsets, change):
        """The days of the inline have their calendar's running deadlines recomputed as they are
        saved (`CalendarDay.save`); the calendar's own hours and flags do here. A new calendar
        counts for running stages only if it becomes the default."""
        super().save_related(request, form, formsets, change)
        calendar = form.instance
        fields_changed = getattr(request, "_sla_calendar_changed", set())
        if not (fields_changed or any(formset.has_changed() for formset in formsets)):
            return
        clocks_reschedule_after_commit(calendar_id=calendar.pk)
        if "is_default" in fields_changed and not calendar.is_default:
            # Its policies without a calendar of their own now count on the built-in calendar.
            clocks_reschedule_after_commit(calendar_id=None)
        if change or calendar.is_default:
            self.recomputing(request, calendar)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._default_deleted([obj])

    def delete_queryset(self, request, queryset):
        calendars = list(queryset)
        super().delete_queryset(request, queryset)
        self._default_deleted(calendars)

    def _default_deleted(self, calendars) -> None:
        # Stages without a policy (deleted while they ran) counted on it: the built-in calendar now.
        if any(calendar.is_default for calendar in calendars):
            clocks_reschedule_after_commit(calendar_id=None)

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
class CalendarDayAdmin(RecomputeNoticeMixin, HolidayDataWarningMixin, admin.ModelAdmin):
    """Saving or deleting a day moves its calendar's `updated_at` (see the model): every process
    rebuilds the calendar, and the deadlines running on it are recomputed after the commit."""

    list_display = ["date", "calendar", "is_workday", "note"]
    list_filter = ["calendar", "is_workday"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and not form.has_changed():
            return
        self.recomputing(request, obj.calendar)
        if change and "calendar" in form.changed_data:  # the calendar it left changes too
            calendar_touch(calendar_id=form.initial["calendar"])
            self.recomputing(request, BusinessCalendar.objects.filter(pk=form.initial["calendar"]).first())

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.recomputing(request, obj.calendar)

    def delete_queryset(self, request, queryset):
        # "Delete selected" deletes in bulk, without the model's delete().
        calendar_ids = set(queryset.values_list("calendar_id", flat=True))
        super().delete_queryset(request, queryset)
        for calendar_id in calendar_ids:
            calendar_touch(calendar_id=calendar_id)
        for calendar in BusinessCalendar.objects.filter(pk__in=calendar_ids):
            self.recomputing(request, calendar)
        self.tell_recomputing(request)  # the bulk action has no response_* hook


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
