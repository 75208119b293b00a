"""The SLA app.

`ready()` registers the app's system checks (`checks.py`: the same-day cut-off setting) and
starts one piece of infrastructure: the embedded default has no Celery beat, so when
`settings.GRIDOPS_INPROCESS_BEAT` is true (no REDIS_URL) and this process is the runserver that
serves requests (`make run` uses `runserver --noreload`), a daemon thread runs the SLA sweep and
the notification resend once a minute. It never starts in tests, management commands, gunicorn
or Celery processes: production uses Celery beat.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def should_run_inprocess_beat(argv: list[str], enabled: bool, environ=os.environ) -> bool:
    """True only for `manage.py runserver` serving requests, with the in-process beat enabled."""
    if not enabled or len(argv) < 2 or argv[1] != "runserver":
        return False
    # With the autoreloader the parent process only watches files; the child has RUN_MAIN set.
    return "--noreload" in argv or environ.get("RUN_MAIN") == "true"


def _beat_loop(stop: threading.Event, interval_s: float) -> None:
    from django.db import close_old_connections

    from apps.grid.services import assignment_permissions_sync
    from apps.notify.services import notification_resend

    from .sweep import sla_sweep

    while not stop.wait(interval_s):
        for job in (sla_sweep, notification_resend, assignment_permissions_sync):
            try:
                close_old_connections()
                result = job()
                if result and any(result if isinstance(result, tuple) else (result.warnings, result.escalations)):
                    logger.info("in-process beat: %s -> %s", job.__name__, result)
            except Exception:
                logger.exception("in-process periodic job %s failed", job.__name__)
            finally:
                close_old_connections()


class SlaConfig(AppConfig):
    name = "apps.sla"
    verbose_name = _("Time limits (SLA)")
    default_auto_field = "django.db.models.BigAutoField"
    beat_thread: threading.Thread | None = None

    def ready(self) -> None:
        from django.conf import settings

        from . import checks  # noqa: F401  (registers the checks)

        if should_run_inprocess_beat(sys.argv, settings.GRIDOPS_INPROCESS_BEAT) and SlaConfig.beat_thread is None:
            stop = threading.Event()
            interval = float(settings.GRIDOPS_BEAT_INTERVAL_S)
            SlaConfig.beat_thread = threading.Thread(
                target=_beat_loop, args=(stop, interval), name="gridops-beat", daemon=True
            )
            SlaConfig.beat_thread.start()
            logger.info("in-process beat: SLA sweep, notification resend, cell permissions every %.0f s", interval)
