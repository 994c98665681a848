"""Processing stored webhook events: parse the envelope, dispatch each change by ``field``.

The handler table lives in ``cloudapi.webhook_registry``; messaging registers the fields it owns
here (``messages``, ``flows``, ``user_preferences``), other apps from their own
``AppConfig.ready()``. An event is processed in one transaction: it is applied whole or not at
all, and a failure is recorded on the event, which can be replayed.

Outcomes: ``processed``; ``rejected`` (the payload is malformed, or names an object of an
account that did not sign it: the reason is kept); ``unroutable`` (for a number or account we do
not have); ``failed`` (a bug of ours — the error is kept and the event can be replayed once it is
fixed).

Tenancy: the event may change only its signer accounts (``accounts.webhook_scope``). One scope is
built per event and passed to every handler as ``scope``; the WABA of each entry and the number
of each change's metadata are checked here, before any handler runs.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.webhook_scope import SignerScope
from cloudapi import webhook_registry
from cloudapi.webhook_payloads import ForeignObject, InvalidPayload, UnknownAccount, parse_json

from ..models import WebhookEvent
from .errors import UnknownPhoneNumber
from .flows import handle_flows
from .messages import handle_messages
from .user_preferences import handle_user_preferences

__all__ = [
    "UnknownPhoneNumber",
    "handle_flows",
    "handle_messages",
    "handle_user_preferences",
    "drain_webhook_events",
    "process_webhook_event",
    "register_handlers",
    "replay_webhook_event",
]

logger = logging.getLogger(__name__)


def register_handlers() -> None:
    webhook_registry.register("messages", handle_messages)
    webhook_registry.register("flows", handle_flows)
    webhook_registry.register("user_preferences", handle_user_preferences)


def process_webhook_event(*, event_id: int) -> WebhookEvent:
    """Apply one stored event (idempotent: processing it again changes nothing)."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.state != WebhookEvent.State.PROCESSED:
            _process(event)
    return event


# Events applied per commit: one durable commit (an fsync) per event was the drain's bottleneck.
DRAIN_COMMIT_EVERY = 50


def drain_webhook_events(*, limit: int) -> int:
    """Process pending events in arrival order; returns how many.

    Events are claimed in small batches (``SKIP LOCKED`` on PostgreSQL, so concurrent drains on
    several workers never take the same rows); each is applied in its own savepoint, so a bad one
    is marked and the others of its batch still commit.
    """
    done = 0
    while done < limit:
        with transaction.atomic():
            batch = list(
                WebhookEvent.objects.select_for_update(skip_locked=True)
                .filter(state=WebhookEvent.State.PENDING)
                .order_by("id")[: min(DRAIN_COMMIT_EVERY, limit - done)]
            )
            for event in batch:
                _process(event)
        if not batch:
            break
        done += len(batch)
    return done


def _process(event: WebhookEvent) -> None:
    """Apply ``event`` inside the caller's transaction; its handlers run in a savepoint."""
    event.attempts += 1
    try:
        with transaction.atomic():
            unhandled = _dispatch(event, _parse_envelope(event.body))
    except InvalidPayload as exc:
        _finish(event, WebhookEvent.State.REJECTED, f"Malformed payload: {exc}")
    except ForeignObject as exc:
        _finish(event, WebhookEvent.State.REJECTED, str(exc))
    except UnknownAccount as exc:
        _finish(event, WebhookEvent.State.UNROUTABLE, str(exc))
    except Exception as exc:  # noqa: BLE001 — any bug must mark the event, never lose it
        logger.exception("Webhook event %s failed", event.pk)
        _finish(event, WebhookEvent.State.FAILED, f"{type(exc).__name__}: {exc}")
    else:
        event.unhandled_fields = unhandled
        _finish(event, WebhookEvent.State.PROCESSED, "")


def replay_webhook_event(*, event_id: int) -> WebhookEvent:
    """Process an event again from its stored body (support staff's replay)."""
    WebhookEvent.objects.filter(pk=event_id).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.PENDING
    )
    return process_webhook_event(event_id=event_id)


def _dispatch(event: WebhookEvent, payload: dict[str, Any]) -> list[str]:
    """Run each change's handler; returns what no handler took (kept on the event, never an error).

    A handler may return a list of parts it kept without applying (e.g. ``messages:system``).
    """
    unhandled: list[str] = []
    scope = SignerScope.of_signer(event.account_id)
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise InvalidPayload("an entry is not an object")
        scope.entry_account(entry)
        changes = entry.get("changes")
        if not isinstance(changes, list):
            raise InvalidPayload("an entry has no changes list")
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise InvalidPayload("a change has no value object")
            field = change.get("field")
            if not isinstance(field, str):
                raise InvalidPayload("a change has no field name")
            scope.check_change(change["value"])
            handler = webhook_registry.handler_for(field)
            if handler is None:
                unhandled.append(field[:64])
                continue
            kept = handler(value=change["value"], entry=entry, event=event, scope=scope)
            if isinstance(kept, list):
                unhandled.extend(str(part)[:64] for part in kept)
    return sorted(set(unhandled))


def _parse_envelope(body: str) -> dict[str, Any]:
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise InvalidPayload("the body is not a JSON object")
    if payload.get("object") != "whatsapp_business_account":
        raise InvalidPayload(f"unexpected object {str(payload.get('object'))[:64]!r}")
    if not isinstance(payload.get("entry"), list):
        raise InvalidPayload("no entry list")
    return payload


def _finish(event: WebhookEvent, state: str, error: str) -> None:
    event.state = state
    event.error = error
    event.processed_at = timezone.now()
    event.save(update_fields=["state", "error", "attempts", "unhandled_fields", "processed_at"])
