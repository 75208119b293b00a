"""Categories, cases, their immutable history and their photos."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.accounts.i18n import BilingualName

from .choices import CaseState, CategoryKind, Channel, PhotoKind, Priority


class Category(BilingualName):
    """A class of the urban-management classification. Top-level classes have no parent."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    default_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("default department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="default_for_categories",
    )
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    # Codes travel in API calls, exports and other systems: plain ASCII, no spaces.
    CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

    def clean(self) -> None:
        """The taxonomy's rules (the admin's form shows each at its field): codes that cannot be
        confused, two levels (a class and its sub-categories, so no cycle), one kind per class, and
        no active sub-category under an inactive class (it would be offered under a hidden class)."""
        errors: dict[str, ValidationError] = {}
        self._clean_code(errors)
        children = self.children.all() if self.pk else Category.objects.none()
        parent = self.parent if self.parent_id else None
        if parent is not None:
            if parent.pk == self.pk:
                errors["parent"] = ValidationError(_("A category cannot be its own class."), code="parent_self")
            elif parent.parent_id is not None:
                errors["parent"] = ValidationError(
                    _(
                        "Choose a top-level class: categories have two levels, and %(parent)s is itself under another class."
                    ),
                    code="parent_level",
                    params={"parent": parent.code},
                )
            elif children.exists():
                errors["parent"] = ValidationError(
                    _("This class has sub-categories, so it stays at the top level."), code="parent_has_children"
                )
            elif self.is_active and not parent.is_active:
                errors["parent"] = ValidationError(
                    _("The class %(parent)s is inactive: activate it first, or choose another class."),
                    code="parent_inactive",
                    params={"parent": parent.code},
                )
            if "parent" not in errors and self.kind and parent.kind != self.kind:
                errors["kind"] = ValidationError(
                    _("A sub-category has the kind of its class: %(kind)s."),
                    code="kind_parent",
                    params={"kind": parent.get_kind_display()},
                )
        elif self.pk:
            if self.kind and children.exclude(kind=self.kind).exists():
                errors["kind"] = ValidationError(
                    _("Its sub-categories are of another kind: a class and its sub-categories have one kind."),
                    code="kind_children",
                )
            active = children.filter(is_active=True).count() if not self.is_active else 0
            if active:
                errors["is_active"] = ValidationError(
                    ngettext(
                        "Deactivate its %(count)d active sub-category first: residents could still choose it.",
                        "Deactivate its %(count)d active sub-categories first: residents could still choose them.",
                        active,
                    ),
                    code="active_children",
                    params={"count": active},
                )
        if errors:
            raise ValidationError(errors)

    def _clean_code(self, errors: dict[str, ValidationError]) -> None:
        if not self.code:
            return
        if not self.CODE_PATTERN.fullmatch(self.code):
            errors["code"] = ValidationError(
                _("Use letters, digits, dots, hyphens and underscores only, without spaces."), code="code_format"
            )
            return
        # An exact duplicate is reported by the unique check; one in other letter case would look the same.
        twin = Category.objects.filter(code__iexact=self.code).exclude(code=self.code).exclude(pk=self.pk).first()
        if twin is not None:
            errors["code"] = ValidationError(
                _("The code %(code)s is already used: codes may not differ only in upper and lower case."),
                code="code_case",
                params={"code": twin.code},
            )


class Case(models.Model):
    """One reported incident on its way round the closed loop.

    `state` is written only by the workflow service (apps.cases.services.case_transition).
    `area_path` copies the path of the cell's area so that a supervisor's scope is a prefix match.
    """

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    cell = models.ForeignKey(
        "grid.Cell",
        verbose_name=_("cell"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    area = models.ForeignKey(
        "grid.Area", verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    area_path = models.CharField(_("area path"), max_length=255, blank=True, editable=False)
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_cases",
    )
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.REPORTED)
    version = models.PositiveIntegerField(default=0, editable=False)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        db_index=False,
    )
    reporter_name = models.CharField(_("reporter name"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=32, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entered_cases",
    )

    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)

    created_at = models.DateTimeField(_("reported at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # Foreign keys that lead one of these have no index of their own (db_index=False): each
        # index is written on every insert and transition, and a second one on the same leading
        # column serves no query.
        indexes = [
            models.Index(fields=["state", "-created_at"], name="cases_state_created"),
            models.Index(fields=["department", "state", "-created_at"], name="cases_dept_state"),
            models.Index(fields=["cell", "state", "-created_at"], name="cases_cell_state"),
            # Supervisors' scopes and the area filter are path prefixes (LIKE 'p%'): on PostgreSQL a
            # btree serves those only with the pattern operator class, unless the collation is C.
            models.Index(
                fields=["area_path", "-created_at"],
                name="cases_area_path",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["assignee", "state"], name="cases_assignee_state"),
            models.Index(fields=["reporter", "-created_at"], name="cases_reporter"),
            models.Index(fields=["category", "lat", "lon"], name="cases_category_point"),
        ]

    def __str__(self) -> str:
        return self.tracking_code


class CaseEventQuerySet(models.QuerySet):
    """History rows are written once: bulk updates and deletes are refused too."""

    def update(self, **kwargs):
        raise ValueError("Case history is append-only")

    def delete(self):
        raise ValueError("Case history is append-only")


class CaseEvent(models.Model):
    """One entry of a case's history. Append-only: it cannot be changed or deleted."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events", db_index=False
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, blank=True
    )
    actor_role = models.CharField(_("role"), max_length=16, blank=True)
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "created_at"], name="cases_event_case_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}->{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Case history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Case history is append-only")


class CasePhoto(models.Model):
    """A photo of a case: `before` from the report, `after` as evidence of the result."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="photos", db_index=False
    )
    event = models.ForeignKey(
        CaseEvent, verbose_name=_("event"), on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices, default=PhotoKind.BEFORE)
    image = models.ImageField(_("image"), upload_to="photos/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="thumbs/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "kind", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        indexes = [models.Index(fields=["case", "kind"], name="cases_photo_case_kind")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
