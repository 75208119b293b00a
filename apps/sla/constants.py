"""Fixed rules of the SLA engine (the ones an operator may change are settings, named here)."""

from __future__ import annotations

SAME_DAY_CUTOFF_SETTING = "GRIDOPS_SLA_SAME_DAY_CUTOFF"
SAME_DAY_CUTOFF_DEFAULT = "16:00"
"""A "same day" (当日办结) stage that starts after this local time of day, after the working hours
or on a day off is due at the end of the next working day. "24:00": no cut-off but the working
hours. Override with the setting named above ("HH:MM")."""

MAX_LIMIT_DAYS = 365
"""No stage limit, escalation delay or extension may exceed this many days of the policy's basis
(working days on a business calendar, 24-hour days around the clock): larger values are typos."""

SECONDS_TOLERANCE = 0.001
"""Budgets and used time are float seconds summed over periods: closer than this they are equal."""
