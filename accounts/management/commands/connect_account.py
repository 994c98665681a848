from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import AccountCredentials, connect_account


class Command(BaseCommand):
    help = (
        "Create or update the business account and phone number from the WHATSAPP_* variables "
        "(the same service as the console's Settings → Accounts → Connect)."
    )

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
        order = ("waba_id", "phone_number_id", "access_token", "app_secret", "verify_token")
        missing = [name for name in order if not getattr(credentials, name)]
        if missing:
            names = {
                "waba_id": "WHATSAPP_BUSINESS_ACCOUNT_ID",
                "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
                "access_token": "WHATSAPP_ACCESS_TOKEN",
                "app_secret": "WHATSAPP_APP_SECRET",
                "verify_token": "WHATSAPP_VERIFY_TOKEN",
            }
            raise CommandError("Set " + ", ".join(names[m] for m in missing) + " (see .env.example).")
        account = connect_account(credentials=credentials)
        self.stdout.write(
            f"Connected phone number {credentials.phone_number_id} of WABA {account.waba_id}. "
            "Run the connection test from Settings → Accounts."
        )
