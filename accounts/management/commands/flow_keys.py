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
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--phone-number-id", help="Meta's id of the number.")
        which.add_argument("--all", action="store_true", help="Every connected number (make run uses it).")
        parser.add_argument("--rotate", action="store_true",
                            help="Make a new key even if there is one (the old one keeps working until retired).")

    def handle(self, *args, **options):
        numbers = PhoneNumber.objects.select_related("account").order_by("pk")
        if not options["all"]:
            numbers = numbers.filter(phone_number_id=options["phone_number_id"])
            if not numbers:
                raise CommandError(f"No connected number has the id {options['phone_number_id']!r}.")
        failed = []
        for phone in numbers:
            try:
                if options["rotate"]:
                    key = rotate_flow_key(phone=phone, actor=None)
                else:
                    key = ensure_flow_key_uploaded(phone=phone, actor=None)
            except FlowKeyError as error:
                failed.append(f"+{phone.display_phone_number}: {error.message}")
                continue
            self.stderr.write(f"Meta has the flow key {fingerprint(key.public_key)} of +{phone.display_phone_number}.")
            self.stdout.write(key.public_key.rstrip())
        if failed:
            raise CommandError(" ".join(failed))
