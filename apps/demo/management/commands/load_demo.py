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
        with transaction.atomic():
            for part in (city, categories, sla, cases):
                part.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo city loaded."))
