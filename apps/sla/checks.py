"""System checks of the SLA engine (run by `manage.py check`, migrate and runserver at start).

Messages for the operator, in English like Django's own checks."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def same_day_cutoff_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A badly written GRIDOPS_SLA_SAME_DAY_CUTOFF fails at start, not at the first same-day case."""
    from .services import same_day_cutoff

    try:
        same_day_cutoff()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="sla.E001")]
    return []


@checks.register()
def time_zone_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Deadlines are counted on the city's clock (worktime.TZ) whatever TIME_ZONE says; pages and
    date filters use TIME_ZONE, so the two should agree."""
    from .worktime import TZ

    if TZ.key != settings.TIME_ZONE:
        return [
            checks.Warning(
                f"SLA deadlines are counted in {TZ.key} working hours and days, but TIME_ZONE is "
                f"{settings.TIME_ZONE!r}: pages, exports and date filters will show other hours and days.",
                hint=f"Set TIME_ZONE={TZ.key}.",
                id="sla.W001",
            )
        ]
    return []
