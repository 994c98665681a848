"""Processing stored webhook events: parse the envelope, dispatch each change by ``field``.

The handler table lives in ``cloudapi.webhook_registry``; messaging registers the fields it owns
here, other apps from their own ``AppConfig.ready()``. An event is processed in one transaction:
it is applied whole or not at all, and a failure is recorded on the event, which can be replayed.
"""

import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import PhoneNumber
from cloudapi import webhook_registry

from .models import WebhookEvent
from .services.inbound import record_inbound_message
from .services.payloads import InvalidPayload, as_dict, as_list
from .services.statuses import apply_status

logger = logging.getLogger(__name__)


class UnknownPhoneNumber(Exception):
    """The event is for a phone number id no account here has."""


def register_handlers() -> None:
    webhook_registry.register("messages", handle_messages)


def process_webhook_event(*, event_id: int) -> WebhookEvent:
    """Apply one stored event (idempotent: processing it again changes nothing)."""
    event = WebhookEvent.objects.get(pk=event_id)
    if event.state == WebhookEvent.State.PROCESSED:
        return event
    event.attempts += 1
    try:
        with transaction.atomic():
            unhandled = _dispatch(event, _parse_envelope(event.body))
    except InvalidPayload as exc:
        _finish(event, WebhookEvent.State.REJECTED, f"Malformed payload: {exc}")
    except UnknownPhoneNumber as exc:
        _finish(event, WebhookEvent.State.UNROUTABLE, str(exc))
    except Exception as exc:  # noqa: BLE001 — any bug must mark the event, never lose it
        logger.exception("Webhook event %s failed", event.pk)
        _finish(event, WebhookEvent.State.FAILED, f"{type(exc).__name__}: {exc}")
    else:
        event.unhandled_fields = unhandled
        _finish(event, WebhookEvent.State.PROCESSED, "")
    return event


def handle_messages(*, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent) -> None:
    """The ``messages`` field: inbound messages and statuses of ours."""
    phone_number_id = str(as_dict(value.get("metadata")).get("phone_number_id") or "")
    phone = PhoneNumber.objects.filter(phone_number_id=phone_number_id).first()
    if phone is None:
        raise UnknownPhoneNumber(f"No phone number with id {phone_number_id!r} is connected.")
    names = {
        str(c.get("wa_id")): str(as_dict(c.get("profile")).get("name") or "")[:200]
        for c in as_list(value.get("contacts"))
        if isinstance(c, dict)
    }
    for message in as_list(value.get("messages")):
        sender = str(message.get("from")) if isinstance(message, dict) else ""
        record_inbound_message(phone_number=phone, message=message, profile_name=names.get(sender, ""))
    for status in as_list(value.get("statuses")):
        apply_status(status=status, event=event)


def _dispatch(event: WebhookEvent, payload: dict[str, Any]) -> list[str]:
    unhandled: list[str] = []
    for entry in payload["entry"]:
        for change in as_list(as_dict(entry).get("changes")):
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise InvalidPayload("a change has no value object")
            field = str(change.get("field") or "")
            handler = webhook_registry.handler_for(field)
            if handler is None:
                unhandled.append(field)  # kept on the event, shown in the admin, never an error
                continue
            handler(value=change["value"], entry=entry, event=event)
    return sorted(set(unhandled))


def _parse_envelope(body: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidPayload("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidPayload("the body is not a JSON object")
    if payload.get("object") != "whatsapp_business_account":
        raise InvalidPayload(f"unexpected object {payload.get('object')!r}")
    if not isinstance(payload.get("entry"), list):
        raise InvalidPayload("no entry list")
    return payload


def _finish(event: WebhookEvent, state: str, error: str) -> None:
    event.state = state
    event.error = error
    event.processed_at = timezone.now()
    event.save(update_fields=["state", "error", "attempts", "unhandled_fields", "processed_at"])


def replay_webhook_event(*, event_id: int) -> WebhookEvent:
    """Process an event again from its stored body (support staff's replay)."""
    WebhookEvent.objects.filter(pk=event_id).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.PENDING
    )
    return process_webhook_event(event_id=event_id)
