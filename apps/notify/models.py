"""The notification outbox: one row per message and channel, written with its cause.

A row is `pending` until delivered (`sent`) or given up (`failed`, after the last retry).
In-app rows are the inbox: delivering one only marks it sent; `read_at` is the user's.
Message text is stored as a key and parameters and rendered in the reader's language.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from apps.sla.choices import Stage  # the stages SLA alerts name (a plain choices module)

from .choices import MESSAGES, NotificationChannel, NotificationStatus


class Notification(models.Model):
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_index=False,  # notify_inbox leads with it
    )
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # No index: history events are never deleted (so SET NULL never runs) and nothing looks
    # notifications up by event; every report and action would pay for keeping one.
    event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("event"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    key = models.CharField(_("message"), max_length=48)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="notify_outbox_due", condition=models.Q(status="pending")),
            models.Index(fields=["recipient", "channel", "-created_at"], name="notify_inbox"),
            models.Index(
                fields=["recipient"], name="notify_unread", condition=models.Q(channel="inapp", read_at__isnull=True)
            ),
            models.Index(fields=["status", "-created_at"], name="notify_status"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.key}#{self.pk}"

    @property
    def text(self) -> str:
        """The message in the active language; parameters are kept as data (a stage's code, a
        deadline in ISO 8601, for webhooks) and shown here as people read them."""
        template = MESSAGES.get(self.key)
        if template is None:
            return self.key
        try:
            return str(template) % display_params(self.params)
        except (KeyError, TypeError, ValueError):
            return str(template)


def display_params(params: dict) -> dict:
    """A stage code becomes its name; an ISO time becomes local `YYYY-MM-DD HH:MM`."""
    shown = dict(params or {})
    stage = shown.get("stage")
    if stage in Stage.values:
        shown["stage"] = Stage(stage).label
    deadline = shown.get("deadline")
    if isinstance(deadline, str) and deadline:
        moment = parse_datetime(deadline)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, UTC)
            shown["deadline"] = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return shown
