import json

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cloudapi.simulator import demo


class Command(BaseCommand):
    help = "Make a simulated customer write to the business (POST /_sim/inbound on the running simulator)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="wa_id", required=True, help="The customer's WhatsApp id, e.g. 16505551234")
        parser.add_argument("--name", default="", help="The customer's profile name")
        parser.add_argument("--text", help="A text message")
        parser.add_argument("--message", help='A Cloud API message object as JSON, e.g. \'{"type":"location",…}\'')
        parser.add_argument("--phone-number-id", default="", help="Defaults to WHATSAPP_PHONE_NUMBER_ID or the demo")

    def handle(self, *args, **options):
        if not settings.SIMULATOR_ENABLED:
            raise CommandError("The simulator is off in these settings (SIMULATOR_ENABLED=false).")
        message = self._message(options)
        body = {
            "phone_number_id": options["phone_number_id"] or settings.WHATSAPP_PHONE_NUMBER_ID or demo.PHONE_NUMBER_ID,
            "from": options["wa_id"],
            "name": options["name"],
            "message": message,
        }
        try:
            response = requests.post(f"{settings.SIMULATOR_URL}/_sim/inbound", json=body, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"The simulator at {settings.SIMULATOR_URL} is not answering ({type(exc).__name__}).")
        answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        if response.status_code != 200:
            raise CommandError(f"The simulator refused: {answer.get('error') or response.status_code}")
        self.stdout.write(f"Customer +{options['wa_id']} wrote; message id {answer.get('id')}")

    def _message(self, options) -> dict:
        if options["message"]:
            try:
                return json.loads(options["message"])
            except ValueError as exc:
                raise CommandError(f"--message is not JSON: {exc}") from None
        if options["text"]:
            return {"type": "text", "text": {"body": options["text"]}}
        raise CommandError("Give --text or --message.")
