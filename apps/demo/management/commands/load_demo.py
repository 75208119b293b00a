import logging

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.demo import cases, categories, city, sla
from apps.grid.models import Area


class Command(BaseCommand):
    help = "Load the demo city (grid, people, categories, SLA policies, cases)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database already has a grid.")

    def handle(self, *args, **options):
        if options["if_empty"] and Area.objects.exists():
            self.stdout.write("Demo data already loaded; keeping the database as it is.")
            return
        # The demo replays hundreds of cases through the workflow; their per-event log lines are noise here.
        quiet = [logging.getLogger(name) for name in ("apps", "celery", "kombu")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.ERROR)
        try:
            with transaction.atomic():
                for part in (city, categories, sla, cases):
                    part.load(stdout=self.stdout)
        finally:
            for logger, level in zip(quiet, levels, strict=True):
                logger.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Demo city loaded."))
