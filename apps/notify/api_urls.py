"""Notifications API, included at /api/v1/notifications/."""

from django.urls import path

from .api import MarkAllReadApi, MarkReadApi, NotificationListApi, UnreadCountApi

app_name = "notify_api"
urlpatterns = [
    path("", NotificationListApi.as_view(), name="list"),
    path("unread-count/", UnreadCountApi.as_view(), name="unread-count"),
    path("read-all/", MarkAllReadApi.as_view(), name="read-all"),
    path("<int:pk>/read/", MarkReadApi.as_view(), name="read"),
]
