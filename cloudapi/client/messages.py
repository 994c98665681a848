"""Sending messages (docs/cloudapi.md §1): the generic sender, thin typed wrappers, mark-as-read.

``send_message`` is the one sender; every ``send_<type>`` only builds Meta's body for it.
Limits (lengths, button counts, the 24-hour window) are checked by our services and by Meta,
not here: the client refuses only bodies that cannot be built (e.g. media with neither id nor
link).
"""

from __future__ import annotations

from typing import Any

from ..errors import ServerError
from ..media_kinds import KINDS as MEDIA_KINDS
from ._transport import _Transport, segment
from .results import SendResult, success

_CAPTIONED = ("image", "video", "document")


class MessagesMixin(_Transport):
    """``POST /{phone-number-id}/messages``: every message type, and read receipts."""

    def send_message(self, *, phone_number_id: str, payload: dict[str, Any]) -> SendResult:
        """Send one message (``payload`` without ``messaging_product``); returns Meta's wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        data = self._request("POST", f"/{segment(phone_number_id)}/messages", json=body)
        try:
            contact = (data.get("contacts") or [{}])[0]
            message = data["messages"][0]
            return SendResult(
                wamid=str(message["id"]),
                wa_id=str(contact.get("wa_id", "")),
                input=str(contact.get("input", "")),
                message_status=str(message.get("message_status", "")),
            )
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ServerError(message="The send answer had no message id", retryable=False) from exc

    def send_text(
        self,
        *,
        phone_number_id: str,
        to: str,
        body: str,
        preview_url: bool = False,
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send a text message; ``callback_data`` comes back in status webhooks."""
        text = {"body": body, "preview_url": preview_url}
        return self._send_typed(phone_number_id, to, "text", text, reply_to, callback_data)

    def send_media(
        self,
        *,
        phone_number_id: str,
        to: str,
        kind: str,
        media_id: str = "",
        link: str = "",
        caption: str = "",
        filename: str = "",
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send an image, video, audio, document or sticker by uploaded ``media_id`` or public ``link``.

        ``caption`` is for image/video/document only, ``filename`` for documents only.
        """
        if kind not in MEDIA_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MEDIA_KINDS)}")
        if bool(media_id) == bool(link):
            raise ValueError("Give exactly one of media_id or link")
        if caption and kind not in _CAPTIONED:
            raise ValueError(f"A {kind} message cannot carry a caption")
        if filename and kind != "document":
            raise ValueError("Only a document carries a filename")
        media: dict[str, Any] = {"id": media_id} if media_id else {"link": link}
        if caption:
            media["caption"] = caption
        if filename:
            media["filename"] = filename
        return self._send_typed(phone_number_id, to, kind, media, reply_to, callback_data)

    def send_location(
        self,
        *,
        phone_number_id: str,
        to: str,
        latitude: float,
        longitude: float,
        name: str = "",
        address: str = "",
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send a map pin; WhatsApp shows ``address`` only when ``name`` is given too."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if name:
            location["name"] = name
        if address:
            location["address"] = address
        return self._send_typed(phone_number_id, to, "location", location, reply_to, callback_data)

    def send_contacts(
        self,
        *,
        phone_number_id: str,
        to: str,
        contacts: list[dict[str, Any]],
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send contact cards: Meta's ``contacts[]`` objects, each with a ``name``."""
        if not contacts:
            raise ValueError("Send at least one contact")
        return self._send_typed(phone_number_id, to, "contacts", list(contacts), reply_to, callback_data)

    def send_reaction(
        self,
        *,
        phone_number_id: str,
        to: str,
        message_id: str,
        emoji: str,
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """React to ``message_id`` with one emoji; ``emoji=""`` removes our reaction."""
        reaction = {"message_id": message_id, "emoji": emoji}
        return self._send_typed(phone_number_id, to, "reaction", reaction, reply_to, callback_data)

    def send_template(
        self,
        *,
        phone_number_id: str,
        to: str,
        name: str,
        language: str,
        components: list[dict[str, Any]] | None = None,
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send an approved template; ``components`` carry the header/body/button parameters."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components:
            template["components"] = list(components)
        return self._send_typed(phone_number_id, to, "template", template, reply_to, callback_data)

    def send_interactive(
        self,
        *,
        phone_number_id: str,
        to: str,
        interactive: dict[str, Any],
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send an interactive message (button, list, cta_url, flow…): see ``interactive_*`` builders."""
        if not interactive.get("type"):
            raise ValueError("An interactive object needs a type")
        return self._send_typed(phone_number_id, to, "interactive", interactive, reply_to, callback_data)

    def mark_read(self, *, phone_number_id: str, wamid: str, typing: bool = False) -> bool:
        """Mark an inbound message read (and show "typing…" for up to 25 s when ``typing``)."""
        body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        data = self._request("POST", f"/{segment(phone_number_id)}/messages", json=body)
        return success(data, what="mark-as-read")

    def _send_typed(
        self, phone_number_id: str, to: str, kind: str, obj: Any, reply_to: str, callback_data: str
    ) -> SendResult:
        payload: dict[str, Any] = {"to": to, "type": kind, kind: obj}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        if callback_data:
            payload["biz_opaque_callback_data"] = callback_data
        return self.send_message(phone_number_id=phone_number_id, payload=payload)


# --- interactive objects -------------------------------------------------------------------


def interactive_buttons(
    *,
    body: str,
    buttons: list[tuple[str, str]],
    header: dict[str, Any] | None = None,
    footer: str = "",
) -> dict[str, Any]:
    """Reply buttons: ``buttons`` as ``(id, title)`` pairs; ``header`` e.g. ``{"type":"text","text":…}``."""
    action = {"buttons": [{"type": "reply", "reply": {"id": id_, "title": title}} for id_, title in buttons]}
    return _interactive("button", body=body, action=action, header=header, footer=footer)


def interactive_list(
    *,
    body: str,
    button: str,
    sections: list[dict[str, Any]],
    header_text: str = "",
    footer: str = "",
) -> dict[str, Any]:
    """A list message: ``sections`` are Meta's ``{title, rows:[{id, title, description}]}``."""
    header = {"type": "text", "text": header_text} if header_text else None
    action = {"button": button, "sections": list(sections)}
    return _interactive("list", body=body, action=action, header=header, footer=footer)


def interactive_cta_url(
    *,
    body: str,
    display_text: str,
    url: str,
    header: dict[str, Any] | None = None,
    footer: str = "",
) -> dict[str, Any]:
    """A call-to-action button that opens ``url``."""
    action = {"name": "cta_url", "parameters": {"display_text": display_text, "url": url}}
    return _interactive("cta_url", body=body, action=action, header=header, footer=footer)


def interactive_flow(
    *,
    body: str,
    flow_token: str,
    flow_cta: str,
    flow_id: str = "",
    flow_name: str = "",
    screen: str = "",
    data: dict[str, Any] | None = None,
    flow_action: str = "navigate",
    draft: bool = False,
    header: dict[str, Any] | None = None,
    footer: str = "",
) -> dict[str, Any]:
    """A flow message; encode what you need later in ``flow_token`` (the reply lacks the flow id)."""
    if bool(flow_id) == bool(flow_name):
        raise ValueError("Give exactly one of flow_id or flow_name")
    parameters: dict[str, Any] = {
        "flow_message_version": "3",
        "flow_token": flow_token,
        "flow_cta": flow_cta,
        "flow_action": flow_action,
    }
    parameters["flow_id" if flow_id else "flow_name"] = flow_id or flow_name
    if screen:
        parameters["flow_action_payload"] = {"screen": screen, **({"data": data} if data else {})}
    if draft:
        parameters["mode"] = "draft"
    action = {"name": "flow", "parameters": parameters}
    return _interactive("flow", body=body, action=action, header=header, footer=footer)


def _interactive(
    kind: str, *, body: str, action: dict[str, Any], header: dict[str, Any] | None, footer: str
) -> dict[str, Any]:
    interactive: dict[str, Any] = {"type": kind}
    if header:
        interactive["header"] = header
    interactive["body"] = {"text": body}
    if footer:
        interactive["footer"] = {"text": footer}
    interactive["action"] = action
    return interactive
