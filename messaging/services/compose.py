"""What an operator composes, checked against Meta's limits and turned into a Cloud API object.

Each ``*_draft`` function takes plain values and returns a :class:`Draft` (the type, its object
as Meta wants it, and the words shown and searched), or raises ``ValidationError`` keyed by the
field that breaks a rule, so the console's and the admin's forms can show it on that field.
Queueing the draft is :func:`messaging.services.sending.send_draft`'s job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from media_lib.services import store_upload
from media_lib.validation import safe_name
from cloudapi.media_kinds import KINDS as MEDIA_KINDS

from ..models import Conversation, Message
from . import limits
from .contacts import normalise_wa_id
from .message_content import contact_card_name

CAPTIONED_KINDS = ("image", "video", "document")
# Meta fails reactions to older messages asynchronously (131009): say so before sending.
REACTION_MAX_AGE = timedelta(days=30)
LATITUDE_RANGE = "Latitude must be between -90 and 90."
LONGITUDE_RANGE = "Longitude must be between -180 and 180."
_URL_RE = re.compile(r"^https?://[^/\s?#]+\.[^/\s?#]+\S*$", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """One outbound message ready to queue: ``kind`` is the Cloud API type, ``content`` its object."""

    kind: str
    content: Any
    text: str = ""
    media_asset: Any = None  # media_lib.MediaAsset for media sent from the library
    target: Message | None = None  # what a reaction applies to


class Problems:
    """Collects ``field → message`` while checking, raised together as one ``ValidationError``."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def length(self, name: str, value: str, maximum: int, *, label: str, required: bool = False) -> str:
        value = (value or "").strip()
        if not value and required:
            self.add(name, f"{label} is required.")
        elif len(value) > maximum:
            self.add(name, f"{label} can have at most {maximum} characters; this has {len(value)}.")
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def text_draft(*, body: str, preview_url: bool = False) -> Draft:
    """A text message; ``preview_url`` asks WhatsApp to show a preview of the first link."""
    problems = Problems()
    body = problems.length("body", body, limits.TEXT_BODY, label="The message")
    if not body:
        problems.add("body", "Write something before sending.")
    problems.raise_if_any()
    return Draft("text", {"body": body, "preview_url": bool(preview_url)}, text=body)


def media_draft(
    *, conversation: Conversation, kind: str, asset=None, link: str = "", caption: str = "", filename: str = ""
) -> Draft:
    """An image, video, audio, document or sticker from the media library (``asset``) or a public ``link``.

    The object keeps the asset's id; the send task turns it into a Meta media id just before
    sending (uploading the file again if Meta's id expired).
    """
    problems = Problems()
    caption, filename = _media_texts(problems, kind, caption, filename)
    link = (link or "").strip()
    if asset is None and not link:
        problems.add("media_asset", "Choose a file from the library, upload one, or give a public link.")
    if asset is not None and link:
        problems.add("link", "Send either a library file or a link, not both.")
    if link and not _URL_RE.match(link):
        problems.add("link", "A link must be a public http(s) address, e.g. https://example.com/photo.jpg.")
    if asset is not None:
        _check_asset(problems, conversation, asset, kind)
    problems.raise_if_any()
    content: dict[str, Any] = {"asset": asset.pk} if asset is not None else {"link": link}
    if caption:
        content["caption"] = caption
    if kind == "document":
        name = filename or (getattr(asset, "original_name", "") if asset is not None else "")
        if name:
            content["filename"] = name
    text = caption or (content.get("filename", "") if kind == "document" else "")
    return Draft(kind, content, text=text, media_asset=asset)


def media_draft_from_upload(
    *, conversation: Conversation, kind: str, uploaded_file, user=None, caption: str = "", filename: str = ""
) -> Draft:
    """Keep a new upload in the media library (once per file: media_lib dedupes), then draft it.

    A document goes out under the name it was uploaded with: the library may hand back an earlier
    asset with the same bytes and another name, and the customer must see the file they were sent.
    """
    problems = Problems()
    _media_texts(problems, kind, caption, filename)
    problems.raise_if_any()
    if kind == "document" and not (filename or "").strip() and getattr(uploaded_file, "name", ""):
        filename = safe_name(uploaded_file.name)[: limits.DOCUMENT_FILENAME]

    try:
        asset = store_upload(account=conversation.phone_number.account, uploaded_file=uploaded_file, user=user)
    except ValidationError as exc:
        raise ValidationError({"upload": exc.messages}) from None
    return media_draft(conversation=conversation, kind=kind, asset=asset, caption=caption, filename=filename)


def _media_texts(problems: Problems, kind: str, caption: str, filename: str) -> tuple[str, str]:
    if kind not in MEDIA_KINDS:
        problems.add("media_kind", "Choose image, video, audio, document or sticker.")
    caption = problems.length("caption", caption, limits.MEDIA_CAPTION, label="The caption")
    filename = problems.length("filename", filename, limits.DOCUMENT_FILENAME, label="The file name")
    if caption and kind not in CAPTIONED_KINDS:
        problems.add("caption", f"WhatsApp shows no caption on {kind or 'this'} messages.")
    if filename and kind != "document":
        problems.add("filename", "Only documents carry a file name.")
    return caption, filename


def _check_asset(problems: Problems, conversation: Conversation, asset, kind: str) -> None:
    if asset.account_id != conversation.phone_number.account_id:
        problems.add("media_asset", "That file belongs to another business account.")
    elif asset.kind != kind:
        problems.add("media_asset", f"That file is a {asset.kind}, not a {kind}: choose the matching kind.")
    elif not getattr(asset, "is_stored", True):
        problems.add("media_asset", "That file is not stored yet (still downloading or failed): choose another.")


def buttons_draft(*, body: str, buttons: list[str], header: str = "", footer: str = "") -> Draft:
    """Reply buttons: 1 to 3 unique titles of at most 20 characters (their ids come back on a tap)."""
    problems = Problems()
    body, header, footer = _interactive_texts(problems, body, header, footer, body_max=limits.INTERACTIVE_BODY)
    titles = [title.strip() for title in buttons]
    kept = [(index, title) for index, title in enumerate(titles, start=1) if title]
    if not kept:
        problems.add("button_1", "Give at least one button.")
    if len(kept) > limits.BUTTONS_MAX:
        problems.add("button_1", f"WhatsApp allows at most {limits.BUTTONS_MAX} reply buttons.")
    seen: set[str] = set()
    for index, title in kept:
        name = f"button_{index}"
        problems.length(name, title, limits.BUTTON_TITLE, label="A button title")
        if title.casefold() in seen:
            problems.add(name, "Button titles must all be different.")
        seen.add(title.casefold())
    problems.raise_if_any()
    action = {
        "buttons": [
            {"type": "reply", "reply": {"id": _choice_id(position, title, limits.BUTTON_ID), "title": title}}
            for position, (_, title) in enumerate(kept, start=1)
        ]
    }
    return Draft("interactive", _interactive("button", body, header, footer, action), text=body)


def list_draft(
    *, body: str, button: str, rows: list[tuple[str, str, str]], header: str = "", footer: str = ""
) -> Draft:
    """A list: ``rows`` as ``(section title, row title, description)``; rows of one section go together.

    Meta: at most 10 rows in total and 10 sections; titles of sections are needed once there is more
    than one section.
    """
    problems = Problems()
    body, header, footer = _interactive_texts(problems, body, header, footer, body_max=limits.LIST_BODY)
    button = problems.length("list_button", button, limits.LIST_BUTTON_LABEL, label="The list button", required=True)
    sections: dict[str, list[dict]] = {}
    titles_seen: set[str] = set()
    count = 0
    for index, (section, title, description) in enumerate(rows, start=1):
        section, title, description = (section or "").strip(), (title or "").strip(), (description or "").strip()
        if not (title or description or section):
            continue
        count += 1
        problems.length(f"row_{index}_section", section, limits.LIST_SECTION_TITLE, label="A section title")
        problems.length(f"row_{index}_title", title, limits.LIST_ROW_TITLE, label="A row title", required=True)
        problems.length(f"row_{index}_description", description, limits.LIST_ROW_DESCRIPTION, label="A description")
        if title and title.casefold() in titles_seen:
            problems.add(f"row_{index}_title", "Row titles must all be different.")
        titles_seen.add(title.casefold())
        row = {"id": _choice_id(count, title, limits.LIST_ROW_ID), "title": title}
        if description:
            row["description"] = description
        sections.setdefault(section, []).append(row)
    if count == 0:
        problems.add("row_1_title", "Give at least one row.")
    if count > limits.LIST_ROWS_MAX:
        problems.add("row_1_title", f"WhatsApp allows at most {limits.LIST_ROWS_MAX} rows in a list.")
    if len(sections) > limits.LIST_SECTIONS_MAX:
        problems.add("row_1_section", f"WhatsApp allows at most {limits.LIST_SECTIONS_MAX} sections.")
    if len(sections) > 1 and "" in sections:
        problems.add("row_1_section", "With more than one section, every row needs its section title.")
    problems.raise_if_any()
    action = {
        "button": button,
        "sections": [{**({"title": title} if title else {}), "rows": section_rows} for title, section_rows in sections.items()],
    }
    return Draft("interactive", _interactive("list", body, header, footer, action), text=body)


def cta_url_draft(*, body: str, display_text: str, url: str, header: str = "", footer: str = "") -> Draft:
    """A call-to-action button that opens ``url``."""
    problems = Problems()
    body, header, footer = _interactive_texts(problems, body, header, footer, body_max=limits.INTERACTIVE_BODY)
    display_text = problems.length(
        "display_text", display_text, limits.CTA_DISPLAY_TEXT, label="The button text", required=True
    )
    url = problems.length("url", url, limits.CTA_URL, label="The address", required=True)
    if url and not _URL_RE.match(url):
        problems.add("url", "The address must start with http:// or https:// and name a host, e.g. https://example.com.")
    problems.raise_if_any()
    action = {"name": "cta_url", "parameters": {"display_text": display_text, "url": url}}
    return Draft("interactive", _interactive("cta_url", body, header, footer, action), text=body)


def location_draft(*, latitude: float, longitude: float, name: str = "", address: str = "") -> Draft:
    """A map pin; WhatsApp shows the address only with a name."""
    problems = Problems()
    if latitude is None or not -90 <= latitude <= 90:
        problems.add("latitude", LATITUDE_RANGE)
    if longitude is None or not -180 <= longitude <= 180:
        problems.add("longitude", LONGITUDE_RANGE)
    name = problems.length("name", name, limits.LOCATION_NAME, label="The name")
    address = problems.length("address", address, limits.LOCATION_ADDRESS, label="The address")
    if address and not name:
        problems.add("name", "WhatsApp shows the address only when the place has a name.")
    problems.raise_if_any()
    content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if name:
        content["name"] = name
    if address:
        content["address"] = address
    return Draft("location", content, text=" — ".join(part for part in (name, address) if part))


def contact_card_draft(
    *, name: str, phone: str = "", email: str = "", organization: str = "", first_name: str = "", last_name: str = ""
) -> Draft:
    """One contact card (``contacts`` with one entry): a name and at least a phone or an email.

    ``name`` is the card's ``formatted_name`` exactly as typed; ``first_name`` / ``last_name`` are
    sent only as given (a name is not split by guessing: "Mary Ann van Dyke" has no safe split).
    """
    problems = Problems()
    name = problems.length("contact_name", name, limits.CONTACT_NAME, label="The name", required=True)
    first_name = problems.length("first_name", first_name, limits.CONTACT_FIELD, label="The first name")
    last_name = problems.length("last_name", last_name, limits.CONTACT_FIELD, label="The last name")
    phone = problems.length("contact_phone", phone, limits.CONTACT_FIELD, label="The phone")
    email = problems.length("contact_email", email, limits.CONTACT_FIELD, label="The email")
    organization = problems.length("organization", organization, limits.CONTACT_FIELD, label="The company")
    if not phone and not email:
        problems.add("contact_phone", "Give a phone number or an email address.")
    wa_id = ""
    if phone:
        try:
            wa_id = normalise_wa_id(phone)  # a card's number is checked like any number we send to
        except ValidationError as exc:
            problems.add("contact_phone", exc.messages[0])
    problems.raise_if_any()
    parts = {"first_name": first_name, "last_name": last_name}
    # Meta wants one name part beside formatted_name: with none given, the whole name is the first name.
    card_name = {key: value for key, value in parts.items() if value} or {"first_name": name}
    card: dict[str, Any] = {"name": {"formatted_name": name, **card_name}}
    if wa_id:
        card["phones"] = [{"phone": "+" + wa_id, "wa_id": wa_id, "type": "CELL"}]
    if email:
        card["emails"] = [{"email": email, "type": "WORK"}]
    if organization:
        card["org"] = {"company": organization}
    return Draft("contacts", [card], text=contact_card_name(card))


def reaction_draft(*, conversation: Conversation, target: Message | None, emoji: str) -> Draft:
    """React to ``target`` with one emoji; an empty ``emoji`` removes our reaction."""
    problems = Problems()
    emoji = (emoji or "").strip()
    if target is None or target.conversation_id != conversation.pk:
        problems.add("message", "Choose a message of this conversation to react to.")
    elif not target.wamid:
        problems.add("message", "That message has not reached WhatsApp yet: wait until it is sent.")
    elif target.type in ("reaction", "edit", "revoke", "system"):
        problems.add("message", "WhatsApp does not take reactions to that kind of message.")
    elif target.created_at < timezone.now() - REACTION_MAX_AGE:
        problems.add("message", "WhatsApp only takes reactions to messages of the last 30 days.")
    if emoji and not is_single_emoji(emoji):
        problems.add("emoji", "A reaction is one emoji (or none, to remove yours).")
    problems.raise_if_any()
    return Draft("reaction", {"message_id": target.wamid, "emoji": emoji}, text=emoji, target=target)


def reply_target(*, conversation: Conversation, message: Message | None) -> str:
    """The wamid to quote for a reply to ``message``; ``ValidationError`` when it cannot be quoted."""
    if message is None:
        return ""
    if message.conversation_id != conversation.pk:
        raise ValidationError({"reply_to": ["That message is not in this conversation."]})
    if not message.wamid:
        raise ValidationError({"reply_to": ["That message has not reached WhatsApp yet, so it cannot be quoted."]})
    return message.wamid


_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def is_single_emoji(text: str) -> bool:
    """One emoji: a pictograph with its modifiers, a ZWJ sequence, a keycap or a flag."""
    if not text or len(text) > 30:
        return False
    if len(text) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in text):
        return True  # a flag: two regional indicators
    for part in text.split("\u200d"):
        bases = [
            c for c in part
            if c not in _JOINERS and not 0x1F3FB <= ord(c) <= 0x1F3FF and not 0xE0020 <= ord(c) <= 0xE007F
        ]
        if len(bases) != 1:
            return False
        base = bases[0]
        keycap = "\u20e3" in part and base in "#*0123456789"
        if not keycap and not (ord(base) >= 0x2000 and unicodedata.category(base) == "So"):
            return False
    return True


def _interactive_texts(problems: Problems, body: str, header: str, footer: str, *, body_max: int) -> tuple[str, str, str]:
    body = problems.length("body", body, body_max, label="The message", required=True)
    header = problems.length("header", header, limits.INTERACTIVE_HEADER_TEXT, label="The header")
    footer = problems.length("footer", footer, limits.INTERACTIVE_FOOTER, label="The footer")
    return body, header, footer


def _interactive(kind: str, body: str, header: str, footer: str, action: dict) -> dict:
    interactive: dict[str, Any] = {"type": kind}
    if header:
        interactive["header"] = {"type": "text", "text": header}
    interactive["body"] = {"text": body}
    if footer:
        interactive["footer"] = {"text": footer}
    interactive["action"] = action
    return interactive


def _choice_id(position: int, title: str, maximum: int) -> str:
    # Readable in the reply webhook (button_reply.id / list_reply.id) and unique by position.
    return f"{position}-{slugify(title) or 'option'}"[:maximum]
