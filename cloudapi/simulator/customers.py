"""Simulated customers: replies to buttons, lists and flows, reactions, locations, contacts and media,
each posted as the ``messages`` webhook Meta sends; and numbers that can't receive messages."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any

from .graph import media
from .state import Store

if TYPE_CHECKING:
    from .config import SimNumber, SimulatorConfig
    from .graph.context import Context

# Default bytes and MIME type per kind when a test does not care about the file.
_SAMPLE_FILES: dict[str, tuple[str, bytes]] = {
    "image": ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00sample-image\xff\xd9"),
    "video": ("video/mp4", b"\x00\x00\x00\x18ftypmp42sample-video"),
    "audio": ("audio/ogg", b"OggS\x00sample-audio"),
    "document": ("application/pdf", b"%PDF-1.4\n% sample document\n%%EOF\n"),
    "sticker": ("image/webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 sample-sticker"),
}


class CustomersMixin:
    """``Simulator`` methods that make a customer do something. Each returns the inbound wamid."""

    config: SimulatorConfig
    _numbers: dict[str, SimNumber]
    _store: Store

    if TYPE_CHECKING:  # provided by Simulator
        def inbound(self, *, phone_number_id: str, wa_id: str, name: str, message: dict[str, Any],
                    timestamp: int | None = None) -> str: ...

        def context(self, base_url: str | None = None) -> Context: ...

    def customer_button_reply(self, *, wa_id: str, context_id: str, button_id: str, title: str | None = None,
                              name: str = "") -> str:
        """The customer taps reply button ``button_id`` of our interactive message ``context_id``."""
        sent = self._replied_message(context_id, "button")
        buttons = sent["body"]["interactive"]["action"].get("buttons", [])
        titles = {b["reply"]["id"]: b["reply"]["title"] for b in buttons if isinstance(b.get("reply"), dict)}
        if button_id not in titles:
            raise ValueError(f"Message {context_id} has no button {button_id!r} (it has {', '.join(titles)})")
        reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": title or titles[button_id]}}
        return self._reply(sent, wa_id, name, {"type": "interactive", "interactive": reply})

    def customer_list_reply(self, *, wa_id: str, context_id: str, row_id: str, name: str = "") -> str:
        """The customer picks row ``row_id`` of our list message ``context_id``."""
        sent = self._replied_message(context_id, "list")
        rows = {row["id"]: row for section in sent["body"]["interactive"]["action"].get("sections", [])
                for row in section.get("rows", [])}
        if row_id not in rows:
            raise ValueError(f"Message {context_id} has no row {row_id!r}")
        row = rows[row_id]
        reply: dict[str, Any] = {"id": row_id, "title": row["title"]}
        if row.get("description"):
            reply["description"] = row["description"]
        interactive = {"type": "list_reply", "list_reply": reply}
        return self._reply(sent, wa_id, name, {"type": "interactive", "interactive": interactive})

    def customer_flow_reply(self, *, wa_id: str, context_id: str, response: dict[str, Any] | None = None,
                            flow_token: str | None = None, name: str = "") -> str:
        """The customer completes the flow we sent in ``context_id``: an ``nfm_reply`` whose
        ``response_json`` string holds ``response`` plus the message's ``flow_token``."""
        sent = self._replied_message(context_id, "flow")
        token = flow_token or sent["body"]["interactive"]["action"]["parameters"]["flow_token"]
        reply = {"name": "flow", "body": "Sent", "response_json": json.dumps({**(response or {}), "flow_token": token})}
        return self._reply(sent, wa_id, name, {"type": "interactive",
                                               "interactive": {"type": "nfm_reply", "nfm_reply": reply}})

    def customer_quick_reply(self, *, wa_id: str, context_id: str, text: str, payload: str | None = None,
                             name: str = "") -> str:
        """The customer taps a QUICK_REPLY button of the template message ``context_id`` (type ``button``)."""
        sent = self._sent(context_id)
        message = {"type": "button", "button": {"payload": payload if payload is not None else text, "text": text}}
        return self._reply(sent, wa_id, name, message)

    def customer_reaction(self, *, wa_id: str, message_id: str, emoji: str, name: str = "",
                          phone_number_id: str | None = None) -> str:
        """The customer reacts to one of our messages (``emoji=""`` removes the reaction)."""
        number_id = phone_number_id or self._sent(message_id)["phone_number_id"]
        message = {"type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}
        return self.inbound(phone_number_id=number_id, wa_id=wa_id, name=name, message=message)

    def customer_location(self, *, wa_id: str, latitude: float, longitude: float, location_name: str | None = None,
                          address: str | None = None, name: str = "", phone_number_id: str | None = None) -> str:
        """The customer shares a location."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if location_name:
            location["name"] = location_name
        if address:
            location["address"] = address
        return self.inbound(phone_number_id=self._number_id(phone_number_id), wa_id=wa_id, name=name,
                            message={"type": "location", "location": location})

    def customer_contacts(self, *, wa_id: str, contacts: list[dict[str, Any]], name: str = "",
                          phone_number_id: str | None = None) -> str:
        """The customer shares contact cards (each with ``name.formatted_name``)."""
        if not contacts or not all(isinstance(c, dict) and c.get("name", {}).get("formatted_name") for c in contacts):
            raise ValueError("contacts must be a non-empty list of cards with name.formatted_name")
        return self.inbound(phone_number_id=self._number_id(phone_number_id), wa_id=wa_id, name=name,
                            message={"type": "contacts", "contacts": contacts})

    def customer_media(self, *, wa_id: str, kind: str, data: bytes | None = None, mime_type: str | None = None,
                       caption: str | None = None, filename: str | None = None, voice: bool = False,
                       with_url: bool = True, name: str = "", phone_number_id: str | None = None) -> str:
        """The customer sends a file. The simulator keeps it under a new media id (valid 7 days) that our
        side fetches with ``GET /{media-id}`` and the bearer token, like any Meta media."""
        if kind not in _SAMPLE_FILES:
            raise ValueError(f"kind must be one of {', '.join(_SAMPLE_FILES)}")
        default_type, default_data = _SAMPLE_FILES[kind]
        data = default_data if data is None else data
        mime_type = mime_type or ("audio/ogg; codecs=opus" if voice else default_type)
        number_id = self._number_id(phone_number_id)
        ctx = self.context()
        stored = media.store_media(ctx, phone_number_id=number_id, data=data, mime_type=mime_type,
                                   filename=filename or "", ttl=self.config.inbound_media_ttl, origin="inbound")
        item: dict[str, Any] = {"mime_type": mime_type,
                                "sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
                                "id": stored["id"]}
        if with_url:
            item["url"] = media.download_url(ctx, stored)
        if caption and kind in ("image", "video", "document"):
            item["caption"] = caption
        if kind == "document":
            item["filename"] = filename or "document.pdf"
        if kind == "audio":
            item["voice"] = voice
        if kind == "sticker":
            item["animated"] = False
        return self.inbound(phone_number_id=number_id, wa_id=wa_id, name=name, message={"type": kind, kind: item})

    def mark_undeliverable(self, wa_id: str, undeliverable: bool = True) -> None:
        """Sends to ``wa_id`` are accepted, then fail with 131026 (not on WhatsApp, old app…); False undoes it."""
        if undeliverable:
            self._store.put("undeliverable", wa_id, {"wa_id": wa_id}, created=self.config.clock())
        else:
            self._store.delete("undeliverable", wa_id)

    # -- helpers -----------------------------------------------------------------------------

    def _sent(self, wamid: str) -> dict[str, Any]:
        sent = self._store.sent_message(wamid)
        if sent is None:
            raise ValueError(f"No message {wamid!r} was sent by the simulator")
        return sent

    def _replied_message(self, wamid: str, interactive_type: str) -> dict[str, Any]:
        sent = self._sent(wamid)
        interactive = sent["body"].get("interactive") if sent["type"] == "interactive" else None
        if not isinstance(interactive, dict) or interactive.get("type") != interactive_type:
            raise ValueError(f"Message {wamid} is not an interactive {interactive_type} message")
        return sent

    def _reply(self, sent: dict[str, Any], wa_id: str, name: str, message: dict[str, Any]) -> str:
        number = self._numbers[sent["phone_number_id"]]
        message = {"context": {"from": number.display_phone_number, "id": sent["wamid"]}, **message}
        return self.inbound(phone_number_id=number.phone_number_id, wa_id=wa_id, name=name, message=message)

    def _number_id(self, phone_number_id: str | None) -> str:
        if phone_number_id is not None:
            return phone_number_id
        if len(self._numbers) != 1:
            raise ValueError("phone_number_id is required when the simulator has several numbers")
        return next(iter(self._numbers))
