from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cloudapi.simulator.__main__ import main, number_from


class Command(BaseCommand):
    help = (
        "Run the Cloud API simulator for the account in WHATSAPP_* (or the demo account). "
        "Arguments are those of `python -m cloudapi.simulator` (--port, --webhook-url, --db, --faults, "
        "--review-delay …), after --."
    )

    def add_arguments(self, parser):
        parser.add_argument("simulator_args", nargs="*", help="passed to the simulator, after --")

    def handle(self, *args, **options):
        if not settings.SIMULATOR_ENABLED:
            raise CommandError("The simulator is off in these settings; set SIMULATOR_ENABLED=true to run it.")
        number = number_from(lambda name: getattr(settings, name, ""))
        raise SystemExit(main(options["simulator_args"], number=number))
