"""Messaging's side of the media library: inbound files handed to media_lib to download, and
where an asset is used (media_lib asks before deleting one)."""

from django.db.models import Case, Value, When
from django.utils import timezone

from cloudapi.webhook_payloads import as_dict, text_of
from media_lib.services import register_inbound_media
from cloudapi.media_kinds import KINDS as MEDIA_TYPES

from ..models import Message

_USAGES_SHOWN = 20


def register_inbound_files(messages: list[Message]) -> None:
    """Customers' images/videos/audio/documents/stickers: media_lib fetches each (its download is
    queued when the transaction commits), the bubbles show them; one UPDATE links them all."""
    linked: dict[int, int] = {}
    for message in messages:
        if message.type not in MEDIA_TYPES:
            continue
        payload = as_dict(message.payload)
        media_id = text_of(payload.get("id"), max_length=64)
        if not media_id:
            continue  # nothing Meta would give us: the bubble says so
        phone = message.conversation.phone_number
        message.media_asset = register_inbound_media(
            account=phone.account,
            phone_number=phone,
            media_id=media_id,
            mime_type=text_of(payload.get("mime_type"), max_length=127),
            sha256=text_of(payload.get("sha256"), max_length=128),
            filename=text_of(payload.get("filename"), max_length=255),
            url=text_of(payload.get("url")),
            kind=message.type,
        )
        linked[message.pk] = message.media_asset.pk
    if linked:
        Message.objects.filter(pk__in=linked).update(
            media_asset_id=Case(*(When(pk=pk, then=Value(asset)) for pk, asset in linked.items()),
                                output_field=Message._meta.get_field("media_asset"))
        )


def message_usages(asset) -> list[str]:
    """media_lib's usage provider: the messages that carry ``asset``, newest first."""
    rows = (
        Message.objects.filter(media_asset=asset)
        .select_related("conversation__contact")
        .order_by("-created_at")[: _USAGES_SHOWN + 1]
    )
    usages = []
    for message in rows[:_USAGES_SHOWN]:
        way = "Message to" if message.direction == Message.Direction.OUTBOUND else "Message from"
        when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
        usages.append(f"{way} +{message.conversation.contact.wa_id} on {when}")
    if len(rows) > _USAGES_SHOWN:
        usages.append("… and more messages")
    return usages
