"""manage.py sla_reschedule CODE | --default [--batch-size N]: recompute running deadlines on a calendar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.sla.models import BusinessCalendar
from apps.sla.reschedule import BATCH_SIZE, clocks_reschedule


class Command(BaseCommand):
    help = (
        "Recompute the deadline, warning and escalation times of the stages running on a business calendar "
        "from the calendar as it is now (done by itself after every change in the admin; by hand after a "
        "change made otherwise, or after upgrading chinesecalendar). Warnings and escalations already sent "
        "stay sent. Safe to run again."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("code", nargs="?", help="The calendar's code.")
        which.add_argument(
            "--default",
            action="store_true",
            help="The stages whose policy has no calendar of its own (the default calendar, or the built-in one).",
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["default"]:
            calendar_id, name = None, _("the default calendar")
        else:
            calendar = BusinessCalendar.objects.filter(code=options["code"]).first()
            if calendar is None:
                raise CommandError(_("No business calendar with code %(code)s.") % {"code": options["code"]})
            calendar_id, name = calendar.pk, calendar.name
        result = clocks_reschedule(calendar_id=calendar_id, batch_size=options["batch_size"])
        self.stdout.write(
            _("%(name)s: %(moved)d of %(checked)d running clocks moved.")
            % {"name": name, "moved": result.moved, "checked": result.checked}
        )
