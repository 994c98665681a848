from django.core.management.base import BaseCommand, CommandError

from accounts.models import PhoneNumber
from accounts.services.flow_keys import FlowKeyError, ensure_flow_key_uploaded, fingerprint, rotate_flow_key


class Command(BaseCommand):
    help = (
        "Give Meta the WhatsApp Flows encryption key of a number: generate the 2048-bit key pair if the number "
        "has none, upload the public key (POST /{phone-number-id}/whatsapp_business_encryption) and print it "
        "(the same service as the number's Settings page)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--phone-number-id", required=True, help="Meta's id of the number.")
        parser.add_argument("--rotate", action="store_true",
                            help="Make a new key even if there is one (the old one keeps working until retired).")

    def handle(self, *args, **options):
        phone = PhoneNumber.objects.select_related("account").filter(
            phone_number_id=options["phone_number_id"]).first()
        if phone is None:
            raise CommandError(f"No connected number has the id {options['phone_number_id']!r}.")
        try:
            if options["rotate"]:
                key = rotate_flow_key(phone=phone, actor=None)
            else:
                key = ensure_flow_key_uploaded(phone=phone, actor=None)
        except FlowKeyError as error:
            raise CommandError(error.message) from error
        self.stderr.write(f"Meta has the flow key {fingerprint(key.public_key)} of +{phone.display_phone_number}.")
        self.stdout.write(key.public_key.rstrip())
