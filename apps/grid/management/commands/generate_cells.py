from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.grid.generator import cells_generate
from apps.grid.models import Area
from gridops.errors import DomainError


class Command(BaseCommand):
    help = "Cover an area's boundary with square grid cells of --size metres, coded by their community."

    def add_arguments(self, parser):
        parser.add_argument("area_code")
        parser.add_argument("--size", type=float, required=True, help="Side of a cell in metres (100: 10,000 m²).")
        parser.add_argument(
            "--min-fraction",
            type=float,
            default=0.05,
            help="Drop clipped pieces smaller than this fraction of a full cell.",
        )

    def handle(self, *args, **options):
        area = Area.objects.filter(code=options["area_code"]).first()
        if area is None:
            raise CommandError(_("No area with code %(code)s.") % {"code": options["area_code"]})
        try:
            report = cells_generate(area=area, size_m=options["size"], min_fraction=options["min_fraction"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(cells)d cells in %(areas)d areas under %(code)s (%(slivers)d slivers dropped).")
                % {
                    "cells": report.cells_created,
                    "areas": len(report.cells_by_area),
                    "code": area.code,
                    "slivers": report.slivers_dropped,
                }
            )
        )
