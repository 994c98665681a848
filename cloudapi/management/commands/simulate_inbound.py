import base64
import json
import mimetypes
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cloudapi.simulator import demo

# MIME type family → the message kind Meta would deliver it as.
_KINDS = {"image/webp": "sticker", "image": "image", "video": "video", "audio": "audio"}


class Command(BaseCommand):
    help = (
        "Make a simulated customer write to the business through the running simulator: "
        "a text, a file (--media), a location, or any Cloud API message object (--message)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="wa_id", required=True, help="The customer's WhatsApp id, e.g. 16505551234")
        parser.add_argument("--name", default="", help="The customer's profile name")
        parser.add_argument("--text", help="A text message")
        parser.add_argument("--media", help="A file the customer sends (image, video, audio, document, sticker)")
        parser.add_argument("--caption", default=None, help="Caption of --media (image, video, document)")
        parser.add_argument("--location", help="A location as LATITUDE,LONGITUDE")
        parser.add_argument("--message", help='A Cloud API message object as JSON, e.g. \'{"type":"location",…}\'')
        parser.add_argument("--phone-number-id", default="", help="Defaults to WHATSAPP_PHONE_NUMBER_ID or the demo")

    def handle(self, *args, **options):
        if not settings.SIMULATOR_ENABLED:
            raise CommandError("The simulator is off in these settings (SIMULATOR_ENABLED=false).")
        phone_number_id = options["phone_number_id"] or settings.WHATSAPP_PHONE_NUMBER_ID or demo.PHONE_NUMBER_ID
        if options["media"]:
            path, body = "/_sim/inbound/media", self._media(options)
        elif options["location"]:
            path, body = "/_sim/inbound/location", self._location(options["location"])
        else:
            path, body = "/_sim/inbound", {"message": self._message(options)}
        body.update({"phone_number_id": phone_number_id, "from": options["wa_id"], "name": options["name"]})
        try:
            response = requests.post(f"{settings.SIMULATOR_URL}{path}", json=body, timeout=10)
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
        raise CommandError("Give --text, --media, --location or --message.")

    def _media(self, options) -> dict:
        path = Path(options["media"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Can't read --media {path}: {exc.strerror}") from None
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        kind = _KINDS.get(mime_type) or _KINDS.get(mime_type.split("/")[0], "document")
        body = {"kind": kind, "mime_type": mime_type, "data_base64": base64.b64encode(data).decode()}
        if kind == "document":
            body["filename"] = path.name
        if options["caption"]:
            body["caption"] = options["caption"]
        return body

    def _location(self, text: str) -> dict:
        try:
            latitude, longitude = (float(part) for part in text.split(","))
        except ValueError:
            raise CommandError("--location must be LATITUDE,LONGITUDE, e.g. 38.9,-77.03") from None
        return {"latitude": latitude, "longitude": longitude}
