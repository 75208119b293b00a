"""Admin for the grid. Saves go through the grid services, so paths, bounding boxes, the locator's
revision and officers' object permissions stay right."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from . import services
from .geometry import geometry_summary
from .models import Area, Cell, CellAssignment, OfficerLeave


@admin.register(Area)
class AreaAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]

    def save_model(self, request, obj, form, change):
        obj.path = services.area_path_for(code=obj.code, parent=obj.parent)
        if obj.geometry:
            obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat = geometry_summary(obj.geometry).bbox
        super().save_model(request, obj, form, change)
        services.grid_revision_bump()


@admin.register(Cell)
class CellAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "area", "area_m2", "is_active"]
    list_filter = ["is_active", "area__parent__parent"]
    list_select_related = ["area"]
    search_fields = ["code", "name", "name_en"]
    raw_id_fields = ["area"]
    readonly_fields = ["path", "area_m2"]

    def save_model(self, request, obj, form, change):
        summary = geometry_summary(obj.geometry)
        obj.path = f"{obj.area.path}{obj.code}/"
        obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat = summary.bbox
        obj.area_m2 = summary.area_m2
        super().save_model(request, obj, form, change)
        services.grid_revision_bump()


@admin.register(CellAssignment)
class CellAssignmentAdmin(admin.ModelAdmin):
    list_display = ["cell", "officer", "kind", "valid_from", "valid_until"]
    list_filter = ["kind"]
    list_select_related = ["cell", "officer"]
    search_fields = ["cell__code", "officer__username", "officer__full_name"]
    raw_id_fields = ["cell", "officer"]
    actions = ["end_now"]

    def has_delete_permission(self, request, obj=None):
        # An assignment is the record of who answered for a cell when: it is ended, never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        # An assignment in force is ended with the action, never edited: its permissions follow it.
        return ["cell", "officer", "kind", "valid_from", "valid_until"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = services.assignment_create(
            cell=obj.cell, officer=obj.officer, kind=obj.kind, valid_from=obj.valid_from, valid_until=obj.valid_until
        )
        obj.pk = created.pk

    @admin.action(description=_("End the selected assignments now"))
    def end_now(self, request, queryset):
        ended = 0
        for assignment in queryset.filter(valid_until__isnull=True).select_related("cell", "officer"):
            services.assignment_end(assignment=assignment)
            ended += 1
        self.message_user(request, _("%(n)d assignments ended.") % {"n": ended}, messages.SUCCESS)


@admin.register(OfficerLeave)
class OfficerLeaveAdmin(admin.ModelAdmin):
    list_display = ["officer", "starts_at", "ends_at", "reason"]
    list_select_related = ["officer"]
    raw_id_fields = ["officer"]
    search_fields = ["officer__username", "officer__full_name"]
