"""Admin: categories are edited here; cases and their history are read-only (the workflow service
is the only writer of a case's state, and history is append-only)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import ngettext

from gridops.admin import ReadOnlyAdmin

from .models import Case, CaseEvent, CasePhoto, Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "kind", "parent", "default_department", "priority", "is_active"]
    # Only classes that have sub-categories are offered as "parent" (not every category).
    list_filter = ["kind", "priority", "is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent", "default_department"]
    autocomplete_fields = ["parent"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "category" and request.GET.get("field_name") == "parent":
            queryset = queryset.filter(parent__isnull=True)  # two levels: only a top-level class is a parent
        return queryset, may_have_duplicates

    def get_deleted_objects(self, objs, request):
        """A category that cases use is refused with the reason, counted, instead of a list of every
        case and a misleading "no permission to delete cases" (cases are never deleted)."""
        used = dict(Case.objects.filter(category__in=objs).values_list("category").annotate(n=Count("pk")).order_by())
        if not used:
            return super().get_deleted_objects(objs, request)
        reasons = [
            ngettext(
                "%(category)s: %(count)d case uses this category. Deactivate it instead: it is no longer offered, and its cases keep it.",
                "%(category)s: %(count)d cases use this category. Deactivate it instead: it is no longer offered, and its cases keep it.",
                used[category.pk],
            )
            % {"category": f"{category.code} {category.label}", "count": used[category.pk]}
            for category in objs
            if category.pk in used
        ]
        return [], {}, set(), reasons


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
