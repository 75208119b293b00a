from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]
    # A webhook address typed without its scheme is an https one (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
