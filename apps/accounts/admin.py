from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from apps.grid.selectors import areas_supervised_by, cells_worked_by

from .choices import Role
from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    # A webhook address typed without its scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


# A role that holds grid objects: what it holds, and what to do before the role is taken away.
ROLE_HOLDINGS = {
    Role.OFFICER: (cells_worked_by, _("Still answers for the cells %(codes)s: end those assignments first.")),
    Role.SUPERVISOR: (
        areas_supervised_by,
        _("Still oversees the areas %(codes)s: take away their object permissions first."),
    ),
}


class UserForm(UserChangeForm):
    """An officer or supervisor keeps the role while they still hold cells or areas: taken away,
    the cells would keep a responsible officer of another role (alerts, the public map)."""

    def clean_role(self):
        role = self.cleaned_data["role"]
        previous = self.instance.role
        if previous in ROLE_HOLDINGS and role != previous:
            held_by, message = ROLE_HOLDINGS[previous]
            codes = list(held_by(user=self.instance).values_list("code", flat=True)[:11])
            if codes:
                listed = ", ".join(codes[:10]) + (" …" if len(codes) > 10 else "")
                raise ValidationError(message, params={"codes": listed})
        return role


class PasswordForm(AdminPasswordChangeForm):
    """A password set here ends the person's API tokens too, as it ends their sessions."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            Token.objects.filter(user=user).delete()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserForm
    change_password_form = PasswordForm
    list_display = ["username", "full_name", "role", "department", "is_active"]
    list_filter = ["role", "department", "is_active", "is_staff"]
    list_select_related = ["department"]
    search_fields = ["username", "full_name", "email"]
    raw_id_fields = ["reports_to"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("gridops"), {"fields": ["role", "full_name", "phone", "department", "reports_to"]}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("gridops"), {"fields": ["role", "full_name", "department"]}),
    )
