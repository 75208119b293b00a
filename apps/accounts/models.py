from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import STAFF_ROLES, Role
from .i18n import BilingualName

MIN_WEBHOOK_SECRET = 16


class Department(BilingualName):
    """A functional department (职能部门) that handles dispatched cases."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    email = models.EmailField(_("email"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=128, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def clean(self) -> None:
        super().clean()
        # Webhooks are signed with the secret: without one anybody could forge them.
        if self.webhook_url and len(self.webhook_secret.strip()) < MIN_WEBHOOK_SECRET:
            raise ValidationError(
                {
                    "webhook_secret": _(
                        "A webhook needs a secret of at least %(n)d characters: its calls are signed with it."
                    )
                    % {"n": MIN_WEBHOOK_SECRET}
                }
            )


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the first administrator of a new database: with the resident's
        # role (the field's default) they would reach /admin/ but no workbench.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person using gridops. One role each; staff may belong to a department."""

    objects = UserManager()

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.RESIDENT, db_index=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("The supervisor who is alerted first when this person's cases run late."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        if not self.is_active:
            return  # an account being switched off need not be put right first
        errors = {}
        if self.role == Role.HANDLER and not self.department_id:
            errors["department"] = _("A department handler needs a department.")
        elif self.role == Role.RESIDENT and self.department_id:
            errors["department"] = _("Residents do not belong to a department.")
        # Escalations about late cases go to `reports_to`: never to a resident, never back to oneself.
        if self.reports_to_id and self.reports_to_id == self.pk:
            errors["reports_to"] = _("No one reports to themselves.")
        elif self.reports_to_id and self.reports_to.role not in STAFF_ROLES:
            errors["reports_to"] = _("Choose a staff member: residents do not receive escalations.")
        if errors:
            raise ValidationError(errors)
