"""The grid: an area tree (city → district → subdistrict → community) and grid cells.

Geometry is GeoJSON (WGS84 lon/lat) in a JSON column; a bounding box is kept beside it in
indexed columns so that "cells in this viewport" is an index scan. Areas carry a materialised
`path` ("440300/440303/440303001/") so that "everything below this area" is a prefix match.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.accounts.i18n import BilingualName

from .choices import AreaLevel, AssignmentKind


class Area(BilingualName):
    code = models.CharField(_("code"), max_length=32, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    geometry = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        permissions = [("supervise_area", _("Supervise the area and everything below it"))]
        indexes = [
            models.Index(fields=["level", "code"], name="grid_area_level_code"),
            models.Index(fields=["parent"], name="grid_area_parent"),
        ]


class Cell(BilingualName):
    """A grid cell (网格): the smallest unit with a responsible officer."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="cells")
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    area_m2 = models.FloatField(_("area (m²)"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")
        permissions = [("work_in_cell", _("Work in the cell"))]
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="grid_cell_bbox")]


class CellUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Cell, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="grid_cellperm_user")]


class CellGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Cell, on_delete=models.CASCADE)


class AreaUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission"], name="grid_areaperm_user")]


class AreaGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Area, on_delete=models.CASCADE)


class CellAssignment(models.Model):
    """An officer responsible for a cell over a period. `valid_until` empty: still in force."""

    cell = models.ForeignKey(Cell, verbose_name=_("cell"), on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="cell_assignments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AssignmentKind.choices, default=AssignmentKind.PRIMARY)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cell", "kind", "valid_from"]
        verbose_name = _("cell assignment")
        verbose_name_plural = _("cell assignments")
        indexes = [
            models.Index(fields=["cell", "valid_from"], name="grid_assign_cell_from"),
            models.Index(fields=["officer", "valid_from"], name="grid_assign_officer_from"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=models.F("valid_from")),
                name="grid_assign_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cell_id}: {self.officer_id} ({self.kind})"


class OfficerLeave(models.Model):
    """A period an officer is away; a backup of each of their cells takes over."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="leaves"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["officer", "starts_at"]
        verbose_name = _("officer leave")
        verbose_name_plural = _("officer leaves")
        indexes = [models.Index(fields=["officer", "starts_at"], name="grid_leave_officer_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="grid_leave_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


class GridRevision(models.Model):
    """A single row whose counter moves whenever areas or cells change.

    Every process compares it with the revision its in-memory locator index was built from
    and rebuilds when they differ.
    """

    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grid revision")

    def __str__(self) -> str:
        return str(self.revision)
