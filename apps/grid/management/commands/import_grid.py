from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.grid.coords import CRS
from apps.grid.importer import LEVEL_ALIASES, grid_import_file
from gridops.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import areas or cells from a GeoJSON FeatureCollection (DataV/aliyun boundary files or any file with "
        "the property names given). Validated and atomic: any bad feature fails the whole file. "
        "DataV/aliyun boundary files are in GCJ-02: import them with --crs gcj02."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--as",
            dest="as_kind",
            choices=["areas", "cells"],
            default="areas",
            help="Import every feature as a cell (default: by each feature's level).",
        )
        parser.add_argument("--level", choices=sorted(LEVEL_ALIASES), help="Level of features that have none.")
        parser.add_argument("--code-field", default="adcode")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--name-en-field", default="name_en")
        parser.add_argument("--parent-field", default="parent")
        parser.add_argument("--level-field", default="level")
        parser.add_argument("--parent", help="Code of an existing area to attach the file's top features to.")
        parser.add_argument(
            "--crs",
            choices=CRS.values,
            default=CRS.WGS84,
            help="Coordinate system of the file; converted to WGS84 on import.",
        )
        parser.add_argument("--update", action="store_true", help="Update areas and cells that already exist.")

    def handle(self, *args, **options):
        try:
            report = grid_import_file(
                options["file"],
                as_cells=options["as_kind"] == "cells",
                level=options["level"],
                code_field=options["code_field"],
                name_field=options["name_field"],
                name_en_field=options["name_en_field"],
                parent_field=options["parent_field"],
                level_field=options["level_field"],
                parent=options["parent"],
                crs=options["crs"],
                update=options["update"],
            )
        except DomainError as exc:
            raise CommandError(_("%(file)s: nothing imported.") % {"file": options["file"]} + f"\n{exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported %(file)s: %(areas_created)d areas created, %(areas_updated)d updated; "
                    "%(cells_created)d cells created, %(cells_updated)d updated."
                )
                % {"file": options["file"], **vars(report)}
            )
        )
