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
    raw_id_fields = ["recipient", "department", "case", "event"]
    readonly_fields = ["last_error", "attempts"]
