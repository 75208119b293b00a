import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.grid.coords import CRS
from apps.grid.exporter import LEVELS, grid_export
from apps.grid.models import Area


class Command(BaseCommand):
    help = "Export areas (and cells) as a GeoJSON FeatureCollection that import_grid reads back."

    def add_arguments(self, parser):
        parser.add_argument("--level", action="append", choices=LEVELS, help="Only areas of this level (repeatable).")
        parser.add_argument("--cells", action="store_true", help="Export the active cells as well.")
        parser.add_argument("--cells-only", action="store_true", help="Export only the cells.")
        parser.add_argument("--area", help="Only this area and everything below it.")
        parser.add_argument("--crs", choices=CRS.values, default=CRS.WGS84, help="Coordinate system of the output.")
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        try:
            data = grid_export(
                levels=options["level"],
                cells=options["cells"] or options["cells_only"],
                areas=not options["cells_only"],
                area_code=options["area"],
                crs=options["crs"],
            )
        except Area.DoesNotExist:
            raise CommandError(_("No area with code %(code)s.") % {"code": options["area"]}) from None
        text = json.dumps(data, ensure_ascii=False)
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s") % {"file": options["output"], "error": exc.strerror or exc}
                ) from exc
            self.stderr.write(
                _("Wrote %(count)d features to %(file)s.") % {"count": len(data["features"]), "file": options["output"]}
            )
        else:
            self.stdout.write(text)
