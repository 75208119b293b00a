"""Reads of notifications: a user's inbox and unread count."""

from __future__ import annotations

from django.db.models import QuerySet

from .choices import NotificationChannel
from .models import Notification


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)
        .select_related("case")
        .order_by("-created_at", "-id")
    )


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP, read_at__isnull=True).count()
