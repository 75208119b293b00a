"""Admin: categories are edited here; cases and their history are read-only (the workflow service
is the only writer of a case's state, and history is append-only)."""

from django.contrib import admin

from .models import Case, CaseEvent, CasePhoto, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind", "parent", "default_department", "priority", "is_active"]
    # Only classes that have sub-categories are offered as "parent" (not every category).
    list_filter = ["kind", "priority", "is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent", "default_department"]
    autocomplete_fields = ["parent"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_state", "to_state", "actor", "actor_role", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "state", "category", "cell", "department", "created_at"]
    list_filter = ["state", "channel", "priority"]
    search_fields = ["tracking_code"]
    list_select_related = ["category", "cell", "department"]
    exclude = ["reporter_name", "reporter_phone"]  # personal data: revealed (and recorded) in the workbench only
    inlines = [CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action", "from_state", "to_state", "actor_role", "created_at"]
    list_filter = ["action"]
    list_select_related = ["case"]
    search_fields = ["case__tracking_code"]


@admin.register(CasePhoto)
class CasePhotoAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "content_type", "width", "height", "created_at"]
    list_select_related = ["case"]
