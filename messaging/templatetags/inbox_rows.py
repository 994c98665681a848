"""What an inbox row shows of its conversation: the last message as a line, its time, an avatar."""

import zlib

from django import template
from django.utils import timezone

register = template.Library()

# What a row puts before the snippet, by Cloud API type (text has none).
_ICONS = {
    "image": "📷", "video": "🎥", "audio": "🎤", "document": "📄", "sticker": "🏷️", "location": "📍",
    "contacts": "👤", "interactive": "☰", "button": "↩", "template": "📋", "order": "🛒", "reaction": "",
}
# The word shown when a message of this type has no text of its own.
_NAMES = {
    "image": "Photo", "video": "Video", "audio": "Audio", "document": "Document", "sticker": "Sticker",
    "location": "Location", "contacts": "Contact card", "interactive": "Interactive message",
    "button": "Button reply", "template": "Template", "order": "Order",
}


@register.filter
def inbox_time(value):
    """"14:05" today, "yesterday", "Mon" within the week, "3 Mar" this year, "3 Mar 2024" before.

    In the current (site) time zone, as the thread's bubbles show their times.
    """
    if not value:
        return ""
    local, now = timezone.localtime(value), timezone.localtime()
    days = (now.date() - local.date()).days
    if days <= 0:
        return local.strftime("%H:%M")
    if days == 1:
        return "yesterday"
    if days < 7:
        return local.strftime("%a")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b')}"
    return f"{local.day} {local.strftime('%b %Y')}"


@register.filter
def row_time(conversation):
    """When Meta says the row's last message was sent (its queue time until Meta reports one)."""
    message = conversation.last_message
    if message is None:
        return conversation.last_message_at
    return message.meta_timestamp or message.created_at


@register.filter
def message_icon(message):
    """The type's icon ("" for text and for messages without one)."""
    if message is None or message.revoked_at:
        return "🚫" if message is not None else ""
    if message.type == "audio" and not (message.payload or {}).get("voice"):
        return "🎵"
    return _ICONS.get(message.type, "")


@register.filter
def message_preview(message):
    """The words of the row's last-message line (without "You:")."""
    if message is None:
        return ""
    if message.revoked_at:
        return "This message was deleted"
    if message.type == "reaction":
        return f"Reacted {message.text}" if message.text else "Removed a reaction"
    if message.type == "template" and not message.text:
        return (message.payload or {}).get("name") or _NAMES["template"]
    if message.type == "audio" and (message.payload or {}).get("voice"):
        return "Voice message"
    return message.text or _NAMES.get(message.type, message.type.capitalize())


@register.filter
def initials(contact):
    """Up to two letters from the contact's name; the last two digits of the number without one."""
    words = [word for word in (contact.name or "").split() if word[:1].isalnum()]
    if words:
        letters = words[0][:1] + (words[-1][:1] if len(words) > 1 else "")
        return letters.upper()
    return (contact.wa_id or "")[-2:] or "?"


@register.filter
def avatar_hue(contact):
    """One of eight colours, the same for a contact on every page."""
    return zlib.crc32((contact.wa_id or "").encode()) % 8
