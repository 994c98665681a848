"""Validation of each send type's object (docs/cloudapi.md §1), shared media checks included.

Missing required values answer 131008, values breaking a rule 131009, objects of the wrong
JSON type or parameters a type does not take 100 — each naming the parameter in
``error_data.details``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .. import media_types, webhooks
from ..config import SimNumber
from .context import Context
from .errors import graph_error, invalid_parameter, invalid_value, missing_parameter, param

SEND_TYPES = frozenset(
    {"text", "image", "video", "audio", "document", "sticker", "location", "contacts", "reaction",
     "interactive", "template"}
)
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_URL_RE = re.compile(r"^https?://[^/\s?#]+\.[^/\s?#]+", re.IGNORECASE)
_BIRTHDAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Checked:
    """What validation learned: the pricing category (templates) and an error to fail the send with later."""

    category: str | None = None
    async_error: dict[str, Any] | None = None
    # A template send: the stored template (its ``quality_hold`` decides a held send's fate).
    template: dict[str, Any] | None = None


def check_content(ctx: Context, number: SimNumber, message_type: str, payload: dict[str, Any]) -> Checked:
    """Validate the object named by ``message_type``; raise the GraphError Meta would answer."""
    # Imported here: both modules use this one's media checks.
    from . import send_interactive, send_template

    content = payload.get(message_type)
    if message_type == "text":
        check_text(content)
        return Checked()
    if content is None:
        raise missing_parameter(message_type)
    # contacts is the one type whose object is an array (docs/cloudapi.md §1).
    expected = list if message_type == "contacts" else dict
    if not isinstance(content, expected) or not content:
        raise invalid_parameter(f"Invalid parameter: {message_type}")
    if message_type in MEDIA_TYPES:
        return Checked(async_error=check_media(ctx, number, message_type, content, message_type))
    if message_type == "location":
        check_location(content, "location")
    elif message_type == "contacts":
        check_contacts(content)
    elif message_type == "reaction":
        check_reaction(content)
    elif message_type == "interactive":
        send_interactive.check_interactive(ctx, number, content)
    elif message_type == "template":
        stored = send_template.check_template(ctx, number, content)
        return Checked(category=str(stored["category"]).lower(), template=stored)
    return Checked()


def check_text(text: Any) -> None:
    """``text{body, preview_url}``: body required, at most 4096 characters."""
    if text is not None and not isinstance(text, dict):
        raise invalid_parameter("Invalid parameter: text")
    body = (text or {}).get("body")
    if body is None or body == "":
        raise missing_parameter("text['body']")
    if not isinstance(body, str):
        raise invalid_parameter("Invalid parameter: text['body']")
    if len(body) > MAX_TEXT_LENGTH:
        raise invalid_parameter(f"Message text is too long; max {MAX_TEXT_LENGTH}")
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise invalid_parameter("Invalid parameter: text['preview_url']")


def check_length(value: Any, name: str, maximum: int, *, required: bool = True) -> None:
    """A string of 1..``maximum`` characters (131008 when required and missing, 131009 when too long)."""
    if value is None or value == "":
        if required:
            raise missing_parameter(name)
        return
    if not isinstance(value, str):
        raise invalid_parameter(f"Invalid parameter: {name} must be a string")
    if len(value) > maximum:
        raise invalid_value(f"{name} is too long: {len(value)} characters, max {maximum}")


def check_media(ctx: Context, number: SimNumber, kind: str, media: Any, name: str) -> dict[str, Any] | None:
    """A media object by exactly one of ``id`` (uploaded to this number, not expired) or ``link``.

    Returns the 131053 error object to fail the send with when the file's type does not suit
    ``kind`` (Meta accepts the send and fails it in the status webhook).
    """
    if not isinstance(media, dict) or not media:
        raise invalid_parameter(f"Invalid parameter: {name}")
    has_id, has_link = media.get("id") not in (None, ""), media.get("link") not in (None, "")
    if not has_id and not has_link:
        raise missing_parameter(f"{name}['id'] or {name}['link']")
    if has_id and has_link:
        raise invalid_parameter(f"Param {name} must have either 'id' or 'link', not both")
    for key in ("caption", "filename"):
        allowed = ("image", "video", "document") if key == "caption" else ("document",)
        if key in media and kind not in allowed:
            raise invalid_parameter(f"Param {param(name, key)} is not allowed for {kind} media")
    if "caption" in media:
        check_length(media["caption"], param(name, "caption"), MAX_CAPTION_LENGTH, required=False)
    if "filename" in media and not isinstance(media["filename"], str):
        raise invalid_parameter(f"Invalid parameter: {param(name, 'filename')}")
    if has_link:
        if not isinstance(media["link"], str) or not _URL_RE.match(media["link"]):
            raise invalid_value(f"{param(name, 'link')} must be a public http(s) URL")
        return None
    stored = usable_media(ctx, number, media["id"])
    if stored is None:
        raise graph_error(400, 131053, "(#131053) Media upload error",
                          f"{param(name, 'id')}: media id {media['id']} is unknown to this phone number or expired")
    if not media_types.fits(kind, stored["mime_type"]):
        return webhooks.media_error(f"Unsupported {kind} mime type {stored['mime_type']}")
    return None


def usable_media(ctx: Context, number: SimNumber, media_id: Any) -> dict[str, Any] | None:
    """The stored media if it belongs to ``number`` and has not expired."""
    if not isinstance(media_id, str):
        return None
    stored = ctx.store.get("media", media_id)
    if stored is None or stored["phone_number_id"] != number.phone_number_id or stored["expires"] <= ctx.now:
        return None
    return stored


def check_location(location: Any, name: str) -> None:
    """latitude -90..90 and longitude -180..180, both numbers; name and address strings."""
    if not isinstance(location, dict):
        raise invalid_parameter(f"Invalid parameter: {name}")
    for key, limit in (("latitude", 90), ("longitude", 180)):
        value = location.get(key)
        if value is None or value == "":
            raise missing_parameter(param(name, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise invalid_value(f"{param(name, key)} must be a number")
        if not -limit <= value <= limit:
            raise invalid_value(f"{param(name, key)} must be between -{limit} and {limit}")
    for key in ("name", "address"):
        if key in location and not isinstance(location[key], str):
            raise invalid_parameter(f"Invalid parameter: {param(name, key)}")


def check_contacts(contacts: list[Any]) -> None:
    """Each contact needs ``name.formatted_name``; lists stay lists; birthday is YYYY-MM-DD."""
    for index, contact in enumerate(contacts):
        if not isinstance(contact, dict):
            raise invalid_parameter(f"Invalid parameter: contacts[{index}]")
        name = contact.get("name")
        if not isinstance(name, dict) or not isinstance(name.get("formatted_name"), str) or not name["formatted_name"]:
            raise missing_parameter(param("contacts", index, "name", "formatted_name"))
        for key in ("phones", "emails", "urls", "addresses"):
            if key in contact and not isinstance(contact[key], list):
                raise invalid_parameter(f"Invalid parameter: {param('contacts', index, key)} must be an array")
        birthday = contact.get("birthday")
        if birthday is not None and (not isinstance(birthday, str) or not _BIRTHDAY_RE.match(birthday)):
            raise invalid_value(f"{param('contacts', index, 'birthday')} must be YYYY-MM-DD")


def check_reaction(reaction: dict[str, Any]) -> None:
    """``message_id`` plus one emoji, or ``""`` to remove the reaction."""
    message_id = reaction.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise missing_parameter("reaction['message_id']")
    if "emoji" not in reaction:
        raise missing_parameter("reaction['emoji']")
    emoji = reaction["emoji"]
    if not isinstance(emoji, str) or (emoji != "" and not is_single_emoji(emoji)):
        raise invalid_value("reaction['emoji'] must be a single emoji, or \"\" to remove the reaction")


_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def is_single_emoji(text: str) -> bool:
    """Whether ``text`` is one emoji: a pictograph with modifiers, a ZWJ sequence, a keycap or a flag."""
    if len(text) > 30:
        return False
    if len(text) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in text):
        return True  # a flag: two regional indicators
    for part in text.split("\u200d"):
        bases = [c for c in part if c not in _JOINERS and not 0x1F3FB <= ord(c) <= 0x1F3FF
                 and not 0xE0020 <= ord(c) <= 0xE007F]
        if len(bases) != 1:
            return False
        base = bases[0]
        keycap = "\u20e3" in part and base in "#*0123456789"
        if not keycap and not (ord(base) >= 0x2000 and unicodedata.category(base) == "So"):
            return False
    return True
