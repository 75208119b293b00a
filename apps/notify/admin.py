"""The outbox in the admin: to look at, not to write (rows come from the services)."""

from django.contrib import admin

from gridops.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
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
