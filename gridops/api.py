"""Shared API plumbing: errors are JSON with the field and the reason."""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gridops.errors import DomainError


@functools.cache
def _shared_instance(serializer_class):
    instance = serializer_class()
    if not instance.fields:  # a cached property: built now, once, before threads share it
        raise TypeError(f"{serializer_class.__name__} has no fields")
    return instance


def shared_validate(serializer_class, data) -> dict:
    """What `serializer_class(data=data)` validates to, or its `ValidationError` (HTTP 400 naming
    each field and its reasons), with one instance of the serializer per class and process.

    For endpoints that run many times a second (intake): building a serializer deep-copies its
    declared fields (a third of a millisecond for intake's ten), while validating with an instance
    leaves it as it was. Only for input serializers that read no context (no request)."""
    return _shared_instance(serializer_class).run_validation(data)


def shared_represent(serializer_class, instance) -> dict:
    """`serializer_class(instance).data`, with one instance of the serializer per class and process
    (see `shared_validate`). Only for output serializers that read no context."""
    return _shared_instance(serializer_class).to_representation(instance)


class StaffOnlyFieldsMixin:
    """For output serializers: the fields in `staff_only` (name -> what others get instead) are
    shown to staff only; a resident, or a serializer without the request in its context, gets the
    replacement. Staff members' names and their remarks are for staff."""

    staff_only: dict = {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not getattr(request.user, "is_staff_role", False):
            data.update({name: blank for name, blank in self.staff_only.items() if name in data})
        return data


# How every documented error answer looks (see `exception_handler`).
ERROR = OpenApiResponse(description="JSON: `detail`, `code` and the field at fault with its reasons")


def exception_handler(exc, context):
    if isinstance(exc, DomainError):  # also Conflict (409) and NotPermitted (403)
        body = {"detail": str(exc), "code": exc.code}
        if exc.field:
            body[exc.field] = [str(exc)]
        return Response(body, status=exc.http_status)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("The request is too large."), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many fields, a malformed multipart body, ...
        return Response({"detail": _("The request is malformed."), "code": "malformed"}, status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """404 for the whole site: JSON under /api/ (a path that names no endpoint), a page elsewhere."""
    if _is_api(request):
        return JsonResponse({"detail": str(_("Not found.")), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/, a page elsewhere (nothing about the error reaches the client)."""
    if _is_api(request):
        return JsonResponse({"detail": str(_("Server error.")), "code": "server_error"}, status=500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    """400 raised outside a view's own handling (a request Django refuses before the view runs)."""
    if _is_api(request):
        return JsonResponse({"detail": str(_("The request is malformed.")), "code": "malformed"}, status=400)
    return defaults.bad_request(request, exception)
