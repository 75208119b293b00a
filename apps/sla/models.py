"""Business calendars, SLA policies, the clock of every open case, its alerts and requests."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.cases.choices import Priority

from .choices import (
    AlertKind,
    LimitUnit,
    RequestKind,
    RequestStatus,
    SlaStatus,
    Stage,
    TimeBasis,
)
from .constants import MAX_LIMIT_DAYS
from .worktime import DEFAULT_PERIODS, PeriodError, parse_periods

# How a badly written working period is explained at the field (PeriodError.code -> message).
PERIOD_ERRORS = {
    "format": _(
        'Write the working periods as a list of pairs of times, e.g. [["09:00", "12:00"], ["14:00", "18:00"]].'
    ),
    "time": _('%(value)s is not a time of day: write times as "HH:MM", from "00:00" to "24:00".'),
    "order": _("The working period %(start)s–%(end)s must end after it starts."),
    "overlap": _("The working period %(start)s–%(end)s overlaps the one before it: list the periods in order."),
    "empty": _("A calendar needs at least one working period."),
}


# A limit or delay above MAX_LIMIT_DAYS days of the policy's basis (a typo: 3600000 hours), by basis.
LIMIT_TOO_LONG = {
    TimeBasis.WORKING: _(
        "The %(field)s can be at most %(max)s %(unit)s: %(days)s working days on the policy's calendar."
    ),
    TimeBasis.CLOCK: _("The %(field)s can be at most %(max)s %(unit)s: %(days)s days around the clock."),
}
ESCALATION_TOO_LATE = {
    TimeBasis.WORKING: _(
        "Escalation level %(level)s can come at most %(max)s minutes after the deadline: "
        "%(days)s working days on the policy's calendar."
    ),
    TimeBasis.CLOCK: _(
        "Escalation level %(level)s can come at most %(max)s minutes after the deadline: %(days)s days around the clock."
    ),
}
UNIT_SECONDS = {LimitUnit.MINUTES: 60, LimitUnit.HOURS: 3600}


def default_periods() -> list[list[str]]:
    return [list(p) for p in DEFAULT_PERIODS]


class BusinessCalendar(models.Model):
    """Working hours plus the days that are (not) working days.

    Days come from China's public-holiday schedule (library `chinesecalendar`) unless a
    `CalendarDay` override says otherwise; years the library does not know fall back to
    weekends plus overrides.

    The deadlines of running stages are computed on the calendar as it was when they started; a
    change of its days (`calendar_touch`) or, in the admin, of its hours or flags has them
    recomputed (`apps.sla.reschedule`). After changing the hours otherwise, run
    `manage.py sla_reschedule CODE`.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    work_periods = models.JSONField(
        _("working periods"),
        default=default_periods,
        help_text=_('Periods of a working day, e.g. [["09:00", "12:00"], ["14:00", "18:00"]].'),
    )
    use_public_holidays = models.BooleanField(
        _("follow China's public holidays"),
        default=True,
        help_text=_("Public holidays off and the weekend days made working days (调休) on."),
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_calendar_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        try:
            parse_periods(self.work_periods or [])
        except PeriodError as exc:
            errors["work_periods"] = ValidationError(PERIOD_ERRORS[exc.code], code=exc.code, params=exc.params)
        # The constraint would say only its name.
        if self.is_default:
            other = BusinessCalendar.objects.filter(is_default=True).exclude(pk=self.pk).first()
            if other is not None:
                errors["is_default"] = ValidationError(
                    _("“%(name)s” is already the default calendar: untick it there first."), params={"name": other.name}
                )
        if errors:
            raise ValidationError(errors)


class CalendarDay(models.Model):
    """A local decision about one day: overrides the public-holiday schedule."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendarday_unique")]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_workday else '-'}"

    # Every process keeps its calendars until the calendar's `updated_at` moves: a day saved or
    # deleted anywhere (admin, shell, fixtures) moves it, and has the deadlines running on the
    # calendar recomputed after the commit (`apps.sla.reschedule`). Bulk writes must call `calendar_touch`.
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._touch()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._touch()
        return result

    def _touch(self) -> None:
        from .calendars import calendar_touch

        calendar_touch(calendar_id=self.calendar_id)


class SlaPolicy(models.Model):
    """Time limits of the four stages for a category (and priority), with warning and escalation.

    Lookup: category+priority, category, parent category (+priority, then any), default
    (no category). Escalation delays count after the deadline in the policy's time basis.
    """

    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_policies",
        help_text=_("Empty: the default policy."),
    )
    priority = models.CharField(_("priority"), max_length=16, blank=True, help_text=_("Empty: any priority."))
    basis = models.CharField(_("time basis"), max_length=16, choices=TimeBasis.choices, default=TimeBasis.WORKING)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the default calendar."),
    )
    register_amount = models.PositiveIntegerField(_("register limit"), default=1)
    register_unit = models.CharField(
        _("register unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.HOURS
    )
    dispatch_amount = models.PositiveIntegerField(_("dispatch limit"), default=1)
    dispatch_unit = models.CharField(
        _("dispatch unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.HOURS
    )
    handle_amount = models.PositiveIntegerField(_("handle limit"), default=5)
    handle_unit = models.CharField(_("handle unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.DAYS)
    verify_amount = models.PositiveIntegerField(_("verify limit"), default=1)
    verify_unit = models.CharField(_("verify unit"), max_length=16, choices=LimitUnit.choices, default=LimitUnit.DAYS)
    # xgettext:no-python-format
    warning_percent = models.PositiveSmallIntegerField(_("warning at (% of the limit)"), default=80)
    escalation1_minutes = models.PositiveIntegerField(
        _("level 1 (assignee's supervisor) after deadline, minutes"), default=0
    )
    escalation2_minutes = models.PositiveIntegerField(_("level 2 (subdistrict) after deadline, minutes"), default=240)
    escalation3_minutes = models.PositiveIntegerField(
        _("level 3 (district command center) after deadline, minutes"), default=1440
    )
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed per case"), default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__code", "priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="sla_policy_category_priority"),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(category__isnull=True),
                name="sla_policy_one_default_per_priority",
            ),
            models.CheckConstraint(
                condition=models.Q(warning_percent__gte=1, warning_percent__lte=100),
                name="sla_policy_warning_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.priority and self.priority not in Priority.values:
            errors["priority"] = _("Choose a priority of cases, or leave it empty for any priority.")
        for stage in Stage.values:
            amount, unit = self.limit(stage)
            if unit == LimitUnit.SAME_DAY or amount is None:
                continue
            top = self.max_amount(unit)
            # Zero would make every case overdue the moment the stage starts.
            if amount < 1:
                errors[f"{stage}_amount"] = _("A time limit must be at least 1.")
            elif top is not None and amount > top:
                errors[f"{stage}_amount"] = ValidationError(
                    LIMIT_TOO_LONG.get(self.basis, LIMIT_TOO_LONG[TimeBasis.WORKING]),
                    code="max_value",
                    params={
                        "field": self._meta.get_field(f"{stage}_amount").verbose_name,
                        "max": top,
                        "unit": LimitUnit(unit).label,
                        "days": MAX_LIMIT_DAYS,
                    },
                )
        top_minutes = self.max_amount(LimitUnit.MINUTES)
        for level, delay in enumerate(self.escalation_delays(), start=1):
            if delay is not None and top_minutes is not None and delay > top_minutes:
                errors[f"escalation{level}_minutes"] = ValidationError(
                    ESCALATION_TOO_LATE.get(self.basis, ESCALATION_TOO_LATE[TimeBasis.WORKING]),
                    code="max_value",
                    params={"level": level, "max": top_minutes, "days": MAX_LIMIT_DAYS},
                )
        # Checked here as well as by the constraints, which would say only their names.
        if self.warning_percent is not None and not 1 <= self.warning_percent <= 100:
            errors["warning_percent"] = _("The warning point is a percentage of the limit, from 1 to 100.")
        e1, e2, e3 = self.escalation_delays()
        if None not in (e1, e2, e3) and not e1 <= e2 <= e3:
            field = "escalation2_minutes" if e2 < e1 else "escalation3_minutes"
            errors.setdefault(field, _("Escalation levels must come one after the other."))
        if self.category_id is None:
            other = SlaPolicy.objects.filter(category=None, priority=self.priority).exclude(pk=self.pk).first()
            if other is not None:
                errors["category"] = ValidationError(
                    _("“%(name)s” is already the default policy (no category) for this priority: choose a category."),
                    params={"name": other.name},
                )
        if errors:
            raise ValidationError(errors)

    def limit(self, stage: str) -> tuple[int, str]:
        return getattr(self, f"{stage}_amount"), getattr(self, f"{stage}_unit")

    def max_amount(self, unit: str) -> int | None:
        """The largest amount of `unit` a limit may have: MAX_LIMIT_DAYS days of the policy's basis
        (working days of its calendar, or 24-hour days). None: no bound for this unit (same day)."""
        if unit == LimitUnit.DAYS:
            return MAX_LIMIT_DAYS
        if unit not in UNIT_SECONDS:
            return None
        if self.basis == TimeBasis.CLOCK:
            day_seconds = 86400
        else:
            from .calendars import calendar_get

            day_seconds = calendar_get(calendar_id=self.calendar_id).day_seconds
        return MAX_LIMIT_DAYS * day_seconds // UNIT_SECONDS[unit]

    def escalation_delays(self) -> tuple[int, int, int]:
        return self.escalation1_minutes, self.escalation2_minutes, self.escalation3_minutes


class CaseClock(models.Model):
    """The SLA clock of one case: its current stage, deadline and when to look at it next.

    Budget is in the policy's basis (working or clock seconds). While running, the stage has
    used `consumed_seconds` before `running_since` plus the time since. Warning and escalation
    instants are computed when the clock (re)starts or moves, so the sweep only compares
    columns. `next_check_at` is NULL when nothing is left to fire (or the clock is paused).
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.SET_NULL, null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, blank=True)
    stage_round = models.PositiveIntegerField(_("stage round"), default=0)
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    # The department answering for a handle stage; a stage ends when the case is dispatched elsewhere
    # or returned (which clears the case's department), so it is kept here for the stage's record.
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    basis = models.CharField(_("time basis"), max_length=16, choices=TimeBasis.choices, default=TimeBasis.WORKING)
    limit_seconds = models.FloatField(_("limit (s)"), default=0)
    extension_seconds = models.FloatField(_("extended by (s)"), default=0)
    consumed_seconds = models.FloatField(_("used before pause (s)"), default=0)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    is_suspended = models.BooleanField(_("suspended"), default=False)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    escalate1_at = models.DateTimeField(null=True, blank=True)
    escalate2_at = models.DateTimeField(null=True, blank=True)
    escalate3_at = models.DateTimeField(null=True, blank=True)
    warned = models.BooleanField(_("warned"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(
                fields=["next_check_at"], name="sla_clock_next_check", condition=models.Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["deadline"], name="sla_clock_deadline"),
            models.Index(fields=["escalation_level", "deadline"], name="sla_clock_level"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} #{self.stage_round}"

    @property
    def status(self) -> str:
        if not self.stage:
            return SlaStatus.STOPPED
        if self.is_suspended:
            return SlaStatus.SUSPENDED
        if self.deadline is None:
            return SlaStatus.NONE
        if self.escalation_level:
            return SlaStatus.ESCALATED
        if self.warned:
            # The sweep has seen the deadline pass only if it escalated; between the two
            # the deadline column tells (lists compare it with now themselves if needed).
            return SlaStatus.WARNING
        return SlaStatus.ON_TIME

    def past_deadline(self, at) -> bool:
        """Is `at` after the deadline? The one rule of every SLA figure (status, sweep, finished
        stages, extensions): a stage that ends exactly at its deadline is on time, a microsecond
        later it is overdue, and it is escalated only once its escalation instant has passed."""
        return self.deadline is not None and at > self.deadline

    def status_at(self, now) -> str:
        status = self.status
        if status in (SlaStatus.WARNING, SlaStatus.ON_TIME) and self.past_deadline(now):
            return SlaStatus.OVERDUE
        return status


class SlaAlert(models.Model):
    """A warning (yellow) or an escalation (red, by level): each happens once per stage round."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    stage_round = models.PositiveIntegerField(_("stage round"))
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["case", "stage_round", "kind", "level"]
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        constraints = [
            models.UniqueConstraint(fields=["case", "stage_round", "kind", "level"], name="sla_alert_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="sla_alert_created")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.level} #{self.stage_round}"


class ClockRequest(models.Model):
    """A request to suspend (挂起) the clock or extend (延期) the deadline, and its decision."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_requests"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    stage_round = models.PositiveIntegerField(_("stage round"))
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    reason = models.TextField(_("reason"))
    amount = models.PositiveIntegerField(_("extension"), default=0)
    unit = models.CharField(_("unit"), max_length=16, choices=LimitUnit.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("clock request")
        verbose_name_plural = _("clock requests")
        indexes = [
            models.Index(fields=["case", "kind", "status"], name="sla_request_case"),
            models.Index(fields=["status", "kind", "-requested_at"], name="sla_request_status"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"


class StageRecord(models.Model):
    """One finished stage of a case, as its clock counted it: the ground truth of on-time rates.

    Written once, when the stage ends (the case moves to another stage, is sent back, or leaves
    the loop); never changed. The stage was on time if it ended no later than its deadline
    (exactly at it is on time: `CaseClock.past_deadline`, which the sweep and the live status
    follow too). `used_seconds` is the stage's time in its basis with suspensions left out.
    `department` is the department that had a handle stage (empty for the other stages, which are
    the command center's and the grid officer's): count a department's stages by it, not by the
    case's department now, which a return clears and a new dispatch changes.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="stage_records", db_index=False
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    stage_round = models.PositiveIntegerField(_("stage round"))
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.SET_NULL, null=True, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    basis = models.CharField(_("time basis"), max_length=16, choices=TimeBasis.choices)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    ended_by = models.CharField(_("ended by action"), max_length=32)
    budget_seconds = models.FloatField(_("limit with extensions (s)"))
    used_seconds = models.FloatField(_("time used (s)"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level reached"))
    on_time = models.BooleanField(_("on time"))

    class Meta:
        verbose_name = _("finished stage")
        verbose_name_plural = _("finished stages")
        constraints = [models.UniqueConstraint(fields=["case", "stage_round"], name="sla_stagerecord_once")]
        indexes = [models.Index(fields=["ended_at", "stage"], name="sla_stagerecord_ended")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} #{self.stage_round} {'on time' if self.on_time else 'late'}"
