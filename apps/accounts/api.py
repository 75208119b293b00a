"""API tokens: an integration (a sensor gateway, the hotline system, a mobile app) trades a
username and password for its token, and can revoke it. Sessions need none of this."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import User
from .throttling import FailedTries


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenApi(APIView):
    """POST: your API token (created on first use). DELETE: revoke the token you are using."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=TokenInput, responses={200: TokenOutput, 400: OpenApiResponse(description="bad credentials")}
    )
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        tries = FailedTries(request, data.validated_data["username"])
        wait = tries.wait()
        if wait is not None:
            raise exceptions.Throttled(wait)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if user is None:
            tries.record()
            raise serializers.ValidationError({"password": [_("Wrong username or password.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
