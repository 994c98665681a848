"""Messaging's side of the media library: inbound files handed to media_lib to download, and
where an asset is used (media_lib asks before deleting one)."""

from django.utils import timezone

from cloudapi.webhook_payloads import as_dict, text_of
from media_lib.services import InboundMedia, register_inbound_media_batch
from cloudapi.media_kinds import KINDS as MEDIA_TYPES

from ..models import Message
from .set_updates import update_from_values

_USAGES_SHOWN = 20


def register_inbound_files(messages: list[Message]) -> None:
    """Customers' images/videos/audio/documents/stickers: media_lib registers them all at once and
    queues their downloads for when the transaction commits; one UPDATE links the bubbles to them."""
    files, requests = [], []
    for message in messages:
        if message.type not in MEDIA_TYPES:
            continue
        payload = as_dict(message.payload)
        media_id = text_of(payload.get("id"), max_length=64)
        if not media_id:
            continue  # nothing Meta would give us: the bubble says so
        phone = message.conversation.phone_number
        files.append(message)
        requests.append(InboundMedia(
            account=phone.account,
            phone_number=phone,
            media_id=media_id,
            mime_type=text_of(payload.get("mime_type"), max_length=127),
            sha256=text_of(payload.get("sha256"), max_length=128),
            filename=text_of(payload.get("filename"), max_length=255),
            url=text_of(payload.get("url")),
            kind=message.type,
        ))
    if not files:
        return
    for message, asset in zip(files, register_inbound_media_batch(requests)):
        message.media_asset = asset
    update_from_values(
        Message, columns={"id": "id", "media_asset": "media_asset"},
        rows=[(message.pk, message.media_asset.pk) for message in files], assignments={"media_asset": "v.media_asset"},
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
