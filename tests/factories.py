"""Small builders for rows tests need; real payloads come from fixtures/."""

import hashlib
from datetime import timedelta

from django.utils import timezone

from messaging.models import Contact, Conversation, Message, WebhookEvent


def conversation(phone, *, wa_id: str = "16505551234", name: str = "Sheena Nelson", wrote_ago=timedelta(minutes=5)):
    """A conversation whose customer last wrote ``wrote_ago`` (``None``: never wrote)."""
    contact, _ = Contact.objects.get_or_create(account=phone.account, wa_id=wa_id, defaults={"name": name})
    last_inbound = timezone.now() - wrote_ago if wrote_ago is not None else None
    return Conversation.objects.create(contact=contact, phone_number=phone, last_inbound_at=last_inbound)


def outbound(conv, *, wamid: str | None = None, status: str = Message.Status.ACCEPTED, body: str = "Hello") -> Message:
    return Message.objects.create(
        conversation=conv,
        wamid=wamid,
        direction=Message.Direction.OUTBOUND,
        type="text",
        payload={"body": body},
        text=body,
        status=status,
    )


def stored_webhook(account, body: str) -> WebhookEvent:
    """A webhook event as the receiver stores it for ``account`` (pending), its bytes hashed."""
    return WebhookEvent.objects.create(account=account, body=body, body_sha256=hashlib.sha256(body.encode()).hexdigest())
