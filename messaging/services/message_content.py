"""What an inbound message says: its stored payload and the words shown and searched for it.

Lenient by design: the payload keeps whatever object Meta sent for the type; display text is
taken only from strings and numbers, so a surprising shape never breaks a message.
"""

from typing import Any

from cloudapi.webhook_payloads import as_dict, as_list, text_of

_CAPTIONED = {"image", "video", "document"}


def payload_of(kind: str, message: dict[str, Any]) -> dict | list:
    """The type's object (``contacts`` is a list) exactly as sent; ``{}`` when it is missing."""
    obj = message.get(kind)
    return obj if isinstance(obj, (dict, list)) else {}


def display_text(kind: str, obj: Any) -> str:
    """The words a person reads and searches for this message."""
    data = as_dict(obj)
    if kind == "text":
        return text_of(data.get("body"))
    if kind in _CAPTIONED:
        return text_of(data.get("caption")) or (text_of(data.get("filename")) if kind == "document" else "")
    if kind == "location":
        return " — ".join(part for part in (text_of(data.get("name")), text_of(data.get("address"))) if part)
    if kind == "contacts":
        return ", ".join(name for name in map(contact_card_name, as_list(obj)) if name)
    if kind == "interactive":
        # button_reply / list_reply carry a title; a flow's nfm_reply is summarised from its response.
        return text_of(as_dict(data.get(text_of(data.get("type")))).get("title"))
    if kind in ("button", "order"):
        return text_of(data.get("text"))
    if kind == "system":
        return text_of(data.get("body"))
    if kind == "reaction":
        return text_of(data.get("emoji"))
    if kind == "edit":
        edited = as_dict(data.get("message"))
        inner = text_of(edited.get("type"))
        return display_text(inner, edited.get(inner)) if inner and inner != "edit" else ""
    return text_of(data.get("body")) or text_of(data.get("text")) or text_of(data.get("caption"))


def contact_card_name(card: Any) -> str:
    name = as_dict(as_dict(card).get("name"))
    full = " ".join(p for p in (text_of(name.get("first_name")), text_of(name.get("last_name"))) if p)
    return text_of(name.get("formatted_name")) or full
