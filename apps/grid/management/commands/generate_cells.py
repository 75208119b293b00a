from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.grid.generator import CellsExist, cells_generate, describe_cell_counts
from apps.grid.models import Area
from gridops.errors import DomainError


class Command(BaseCommand):
    help = (
        "Cover an area's boundary with square grid cells of --size metres, coded by their community. "
        "New cells never overlap active cells: when active cells (of this area, an area below it or a "
        "neighbour) already lie where new cells would go, as on a second run, the command names those "
        "areas and how many of their cells are in the way, and creates nothing. --skip-existing "
        "instead fills only the communities (or the area itself) without active cells. Inactive cells "
        "are not in the way."
    )

    def add_arguments(self, parser):
        parser.add_argument("area_code")
        parser.add_argument("--size", type=float, required=True, help="Side of a cell in metres (100: 10,000 m²).")
        parser.add_argument(
            "--min-fraction",
            type=float,
            default=0.05,
            help="Drop clipped pieces smaller than this fraction of a full cell.",
        )
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help=(
                "Leave the communities (or the area itself) that already have active cells as they are "
                "and fill only the others; a new cell that would overlap an existing cell (at a "
                "community's edge) is cut along it, and dropped if less than --min-fraction is left."
            ),
        )

    def handle(self, *args, **options):
        area = Area.objects.filter(code=options["area_code"]).first()
        if area is None:
            raise CommandError(_("No area with code %(code)s.") % {"code": options["area_code"]})
        try:
            report = cells_generate(
                area=area,
                size_m=options["size"],
                min_fraction=options["min_fraction"],
                skip_existing=options["skip_existing"],
            )
        except CellsExist as exc:
            raise CommandError(
                f"{exc} "
                + _(
                    "Nothing was created. Use --skip-existing to fill only the areas without cells, "
                    "or deactivate or delete the cells in the way first."
                )
            ) from exc
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
        if report.areas_skipped:
            self.stdout.write(
                _("Left as they were, having cells already: %(areas)s.")
                % {"areas": describe_cell_counts(report.areas_skipped)}
            )
