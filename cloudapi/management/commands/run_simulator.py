from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cloudapi.simulator import SimNumber, demo
from cloudapi.simulator.__main__ import main


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
        number = SimNumber(
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID or demo.PHONE_NUMBER_ID,
            display_phone_number=settings.WHATSAPP_DISPLAY_PHONE_NUMBER or demo.DISPLAY_PHONE_NUMBER,
            waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID or demo.BUSINESS_ACCOUNT_ID,
            access_token=settings.WHATSAPP_ACCESS_TOKEN or demo.ACCESS_TOKEN,
            app_secret=settings.WHATSAPP_APP_SECRET or demo.APP_SECRET,
            verified_name=demo.VERIFIED_NAME,
        )
        raise SystemExit(main(options["simulator_args"], number=number))
