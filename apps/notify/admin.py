"""The outbox in the admin: to look at, not to write (rows come from the services)."""

from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "channel",
        "key",
        "recipient",
        "department",
        "case",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "read_at",
    ]
    list_filter = ["channel", "status", "key"]
    list_select_related = ["recipient", "department", "case"]
    raw_id_fields = ["recipient", "department", "case", "event"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
