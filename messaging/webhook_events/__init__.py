"""Processing stored webhook events: parse the envelope, dispatch each change by ``field``.

The handler table lives in ``cloudapi.webhook_registry``; messaging registers the fields it owns
here (``messages``, ``flows``, ``user_preferences``), other apps from their own
``AppConfig.ready()``. An event is processed in one transaction: it is applied whole or not at
all, and a failure is recorded on the event, which can be replayed.

Outcomes: ``processed``; ``rejected`` (the payload is malformed: the reason is kept);
``unroutable`` (for a number or account we do not have); ``failed`` (a bug of ours — the error
is kept and the event can be replayed once it is fixed).
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import BusinessAccount
from cloudapi import webhook_registry
from cloudapi.webhook_payloads import InvalidPayload, UnknownAccount, parse_json

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
    _reset_to_pending([event_id])
    return process_webhook_event(event_id=event_id)


# Replaying more than this many events in one request would time out: the rest go to Celery.
REPLAY_INLINE_LIMIT = 100


@dataclass(frozen=True)
class Replay:
    """What a replay of several events did: ``queued`` for the worker, or ``replayed`` now."""

    queued: int = 0
    replayed: int = 0
    processed: int = 0


def replay_webhook_events(*, event_ids: list[int]) -> Replay:
    """Replay events in the given order (the admin's action): inline up to ``REPLAY_INLINE_LIMIT``,
    else reset to pending and handed to the worker once the transaction commits."""
    if len(event_ids) > REPLAY_INLINE_LIMIT:
        from ..services.webhook_inbox import enqueue_processing  # the inbox enqueues through the tasks

        _reset_to_pending(event_ids)
        for pk in event_ids:
            transaction.on_commit(lambda pk=pk: enqueue_processing(pk))
        return Replay(queued=len(event_ids))
    states = [replay_webhook_event(event_id=pk).state for pk in event_ids]
    return Replay(replayed=len(states), processed=states.count(WebhookEvent.State.PROCESSED))


def _reset_to_pending(event_ids: list[int]) -> None:
    WebhookEvent.objects.filter(pk__in=event_ids).exclude(state=WebhookEvent.State.PROCESSED).update(
        state=WebhookEvent.State.PENDING
    )


def _dispatch(event: WebhookEvent, payload: dict[str, Any]) -> list[str]:
    """Run each change's handler; returns what no handler took (kept on the event, never an error).

    A handler may return a list of parts it kept without applying (e.g. ``messages:system``).
    """
    unhandled: list[str] = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise InvalidPayload("an entry is not an object")
        _check_signer_owns(event, entry)
        changes = entry.get("changes")
        if not isinstance(changes, list):
            raise InvalidPayload("an entry has no changes list")
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise InvalidPayload("a change has no value object")
            field = change.get("field")
            if not isinstance(field, str):
                raise InvalidPayload("a change has no field name")
            handler = webhook_registry.handler_for(field)
            if handler is None:
                unhandled.append(field[:64])
                continue
            kept = handler(value=change["value"], entry=entry, event=event)
            if isinstance(kept, list):
                unhandled.extend(str(part)[:64] for part in kept)
    return sorted(set(unhandled))


def _check_signer_owns(event: WebhookEvent, entry: dict[str, Any]) -> None:
    """The app secret that signed the body must be the one of the account the entry is about.

    Several apps may share this deployment: one app's secret must not vouch for another's WABA.
    (WABAs of the same app share its secret, so the secrets are compared, not the rows.)
    """
    if event.account_id is None:
        return
    owner = BusinessAccount.objects.filter(waba_id=str(entry.get("id", ""))[:64]).first()
    if owner is not None and owner.pk != event.account_id and owner.app_secret != event.account.app_secret:
        raise InvalidPayload(f"entry for WABA {owner.waba_id} was signed by another app's secret")


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
