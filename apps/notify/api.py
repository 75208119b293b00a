"""Notifications API under /api/v1/notifications/: the user's inbox."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gridops.api import ERROR

from . import selectors, services
from .models import Notification


class NotificationOutput(serializers.ModelSerializer):
    text = serializers.CharField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
    case_code = serializers.CharField(source="case.tracking_code", default=None, allow_null=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "key", "text", "params", "case", "case_code", "created_at", "read_at", "is_read"]

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationListInput(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class NotificationListApi(generics.ListAPIView):
    """Your in-app notifications, newest first (`?unread=1` for unread only)."""

    serializer_class = NotificationOutput

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="Only unread ones")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = NotificationListInput(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        qs = selectors.notification_list_for_user(user=self.request.user)
        if params.validated_data["unread"]:
            qs = qs.filter(read_at__isnull=True)
        return qs


COUNT = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})


class UnreadCountApi(APIView):
    @extend_schema(responses=COUNT)
    def get(self, request):
        return Response({"unread": selectors.notification_unread_count(user=request.user)})


class MarkReadApi(APIView):
    @extend_schema(request=None, responses={200: COUNT, 404: ERROR})
    def post(self, request, pk: int):
        if not selectors.notification_list_for_user(user=request.user).filter(pk=pk).exists():
            from django.http import Http404

            raise Http404
        services.notification_mark_read(user=request.user, notification_id=pk)
        return Response({"unread": selectors.notification_unread_count(user=request.user)})


class MarkAllReadApi(APIView):
    @extend_schema(request=None, responses=COUNT)
    def post(self, request):
        services.notifications_mark_all_read(user=request.user)
        return Response({"unread": 0})
