from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import AccountCredentials, connect_account


class Command(BaseCommand):
    help = "Create or update the business account and phone number from the WHATSAPP_* variables."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="", help="A name for the account in the console.")

    def handle(self, *args, **options):
        credentials = AccountCredentials(
            waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            access_token=settings.WHATSAPP_ACCESS_TOKEN,
            app_secret=settings.WHATSAPP_APP_SECRET,
            verify_token=settings.WHATSAPP_VERIFY_TOKEN,
            display_phone_number=settings.WHATSAPP_DISPLAY_PHONE_NUMBER,
            app_id=settings.WHATSAPP_APP_ID,
            name=options["name"],
        )
        missing = credentials.missing()
        if missing:
            names = {
                "waba_id": "WHATSAPP_BUSINESS_ACCOUNT_ID",
                "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
                "access_token": "WHATSAPP_ACCESS_TOKEN",
                "app_secret": "WHATSAPP_APP_SECRET",
                "verify_token": "WHATSAPP_VERIFY_TOKEN",
            }
            raise CommandError("Set " + ", ".join(names[m] for m in missing) + " (see .env.example).")
        phone = connect_account(credentials=credentials)
        self.stdout.write(f"Connected phone number {phone.phone_number_id} of WABA {phone.account.waba_id}.")
