"""Flow tokens: what we put in a flow message's ``flow_token`` and what the data endpoint accepts.

``issue_flow_token`` when sending a flow (the composer and the template send form use it);
``check_flow_token`` at the endpoint (unknown, expired or completed → :class:`FlowTokenRefused`, Meta's
427); ``complete_flow_token`` when the flow ends (the endpoint's SUCCESS, or the customer's ``nfm_reply``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import PhoneNumber

from ..models import Contact, Conversation, Flow, FlowToken

# What Meta shows the customer when we answer 427 (the flow closes).
EXPIRED_MESSAGE = "This form has expired or was already sent. Please ask us for a new one."


class FlowTokenRefused(Exception):
    """The token is not one we issued, or it expired or completed; ``reason`` is for logs (no data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_flow_token(
    *,
    flow: Flow,
    phone_number: PhoneNumber,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    ttl: timedelta | None = None,
) -> FlowToken:
    """A new random, URL-safe token for sending ``flow`` from ``phone_number`` (valid ``FLOW_TOKEN_TTL_DAYS``)."""
    if flow.account_id != phone_number.account_id:
        raise ValueError("The flow belongs to another account than the sending number.")
    if conversation is not None and contact is None:
        contact = conversation.contact
    lifetime = ttl if ttl is not None else timedelta(days=settings.FLOW_TOKEN_TTL_DAYS)
    return FlowToken.objects.create(flow=flow, phone_number=phone_number, conversation=conversation,
                                    contact=contact, expires_at=timezone.now() + lifetime)


def check_flow_token(*, token: object, phone_number_id: int | None = None, now: datetime | None = None) -> FlowToken:
    """The live token row for ``token``; raises :class:`FlowTokenRefused` when it is unknown, expired,
    completed, or was issued for another number than ``phone_number_id`` (our PhoneNumber pk)."""
    if not isinstance(token, str) or not token or len(token) > 128:
        raise FlowTokenRefused("no flow_token, or not one of ours")
    row = FlowToken.objects.select_related("flow").filter(token=token).first()
    if row is None:
        raise FlowTokenRefused("unknown flow_token")
    if phone_number_id is not None and row.phone_number_id != phone_number_id:
        raise FlowTokenRefused("flow_token issued for another number")
    if row.completed_at is not None:
        raise FlowTokenRefused("flow_token already completed")
    if row.expires_at <= (now or timezone.now()):
        raise FlowTokenRefused("flow_token expired")
    return row


def complete_flow_token(*, token: FlowToken | str) -> bool:
    """Mark the token used up (later requests with it get 427); False if it was unknown or already completed."""
    value = token.token if isinstance(token, FlowToken) else token
    return bool(FlowToken.objects.filter(token=value, completed_at__isnull=True).update(completed_at=timezone.now()))
