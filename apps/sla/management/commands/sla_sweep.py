"""manage.py sla_sweep [--now ISO-8601] [--batch-size N]: fire due SLA warnings and escalations."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.sla.sweep import sla_sweep


class Command(BaseCommand):
    help = "Fire every SLA warning and escalation that is due (normally Celery beat does this every minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Sweep as of this instant (ISO-8601 with an offset, e.g. 2026-11-23T15:00+08:00)."
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now {options['now']!r} is not an ISO-8601 date-time") from None
            if now.tzinfo is None:
                raise CommandError(f"--now {options['now']!r} has no UTC offset (e.g. +08:00)")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        result = sla_sweep(now=now, batch_size=options["batch_size"])
        self.stdout.write(str(result))
