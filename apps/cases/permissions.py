"""One rule for pages and the API: a case is reachable only through `case_list_for_user`.

- `CaseScopeMixin` (Django class-based views and DRF views alike): `get_queryset()` is the user's
  visible cases and `get_case()` answers 404 outside them. Nothing filters permissions by hand.
- `IsStaffRole` (DRF): endpoints for staff only (residents get 403 on e.g. duplicate lookups).
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import Case
from .selectors import case_get_for_user, case_list_for_user


class CaseScopeMixin:
    case_url_kwarg = "pk"

    def get_queryset(self):
        return case_list_for_user(user=self.request.user)

    def get_case(self) -> Case:
        return case_get_for_user(user=self.request.user, pk=self.kwargs[self.case_url_kwarg])


class IsStaffRole(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff_role", False))
