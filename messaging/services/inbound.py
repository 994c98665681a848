"""Inbound messages: one row per wamid, the contact and conversation kept current.

Every type Meta sends is stored (unknown ones as they are) with its object in ``payload`` and
its words in ``text``; then the type's effect is applied: a reaction, edit or revoke changes
the message it refers to, a flow completion becomes a ``FlowResponse``, a changed number moves
the contact, and STOP / START change the marketing preference.

Messages are stored a batch at a time (the drain hands over every inbound message of the events
it claimed): contacts and conversations found or created for the whole batch at once, the
messages in one multi-row INSERT that skips wamids stored already (``ON CONFLICT DO NOTHING``),
the conversations' window, unread count and last message in one UPDATE. Only the rare types
with an effect (media, reactions, edits, flows, number changes, STOP/START) cost more.
"""

import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import PhoneNumber
from cloudapi.webhook_payloads import InvalidPayload, as_dict, as_list, first_error, parse_timestamp, required_str, text_of

from ..models import Contact, ContactEvent, Conversation, ConversationEvent, Message, WebhookEvent
from .auto_assignment import auto_assign
from .contacts import change_contact_number, keyword_preference, set_marketing_preference
from .conversation_states import Current, customer_wrote
from .flows import record_flow_response
from .last_message import QUIET_TYPES, shows_in_inbox
from .media import register_inbound_files
from .message_content import display_text, payload_of
from .message_updates import UPDATE_TYPES, apply_update, target_wamid_of
from .set_updates import update_from_values

# A reaction is shown on the row but is nothing new to read.
_NOT_UNREAD = (*QUIET_TYPES, "reaction")


class NotStored(Exception):
    """The database skipped a row it should have taken: the batch is applied event by event."""


@dataclass
class InboundRow:
    """One parsed ``messages[]`` object, who sent it to which of our numbers, and its event."""

    phone: PhoneNumber
    wa_id: str
    profile_name: str
    user_id: str
    message: Message  # not saved yet; conversation set when stored
    event: WebhookEvent | None


def parse_inbound(
    *, phone_number: PhoneNumber, message: Any, profile_name: str = "", user_id: str = "",
    event: WebhookEvent | None = None,
) -> InboundRow:
    """``InvalidPayload`` unless ``message`` has an id, a sender, a type and a valid timestamp."""
    if not isinstance(message, dict):
        raise InvalidPayload("a message is not an object")
    wamid = required_str(message, "id")
    wa_id = required_str(message, "from", max_length=32)
    kind = required_str(message, "type", max_length=32)
    sent_at = parse_timestamp(message.get("timestamp"))
    context = as_dict(message.get("context"))
    payload = payload_of(kind, message)
    errors = as_list(message.get("errors"))
    error_code, error_title, error_details = first_error(errors)
    record = Message(
        wamid=wamid,
        direction=Message.Direction.INBOUND,
        type=kind,
        payload=payload,
        text=display_text(kind, payload),
        context_wamid=text_of(context.get("id"), max_length=255),
        context=context,
        referral=as_dict(message.get("referral")),
        errors=errors,
        error_code=error_code,
        error_title=error_title,
        error_details=error_details,
        target_wamid=target_wamid_of(kind, message),
        status=Message.Status.RECEIVED,
        meta_timestamp=sent_at,
        created_at=sent_at,
    )
    return InboundRow(phone=phone_number, wa_id=wa_id, profile_name=profile_name, user_id=user_id,
                      message=record, event=event)


@transaction.atomic
def record_inbound_message(
    *,
    phone_number: PhoneNumber,
    message: dict[str, Any],
    profile_name: str = "",
    user_id: str = "",
    event: WebhookEvent | None = None,
) -> tuple[Message, bool]:
    """Store one ``messages[]`` object and apply its effect; returns (message, created).

    The sender is a contact of the account of ``phone_number`` (the number they wrote to).
    A repeat (same wamid, in any batch) changes nothing.
    """
    row = parse_inbound(phone_number=phone_number, message=message, profile_name=profile_name, user_id=user_id,
                        event=event)
    stored = store_inbound_messages([row])
    if stored:
        return stored[0], True
    return Message.objects.get(wamid=row.message.wamid), False


def store_inbound_messages(rows: list[InboundRow]) -> list[Message]:
    """Store the batch's new messages (a wamid seen before, or twice here, is stored once and
    changes nothing) and apply their effects, in arrival order; returns the messages stored."""
    fresh: dict[str, InboundRow] = {}
    for row in rows:
        fresh.setdefault(row.message.wamid, row)
    for wamid in Message.objects.filter(wamid__in=fresh).values_list("wamid", flat=True):
        del fresh[wamid]
    if not fresh:
        return []
    rows = list(fresh.values())
    contacts = _upsert_contacts(rows)
    conversations = _conversations_for(rows, contacts)
    for row in rows:
        row.message.conversation = conversations[(contacts[_contact_key(row)].pk, row.phone.pk)]
    Message.objects.bulk_create([row.message for row in rows], ignore_conflicts=True)
    # Another worker may have stored one of these wamids meanwhile: the stored row's uuid says whose it is.
    stored = dict(Message.objects.filter(wamid__in=fresh).values_list("wamid", "uuid"))
    if len(stored) < len(fresh):  # SQLite's INSERT OR IGNORE skips a row breaking any constraint
        raise NotStored(f"{len(fresh) - len(stored)} of {len(fresh)} messages were refused by the database")
    pks = dict(Message.objects.filter(uuid__in=[row.message.uuid for row in rows]).values_list("uuid", "pk"))
    mine = []
    for row in rows:
        if stored.get(row.message.wamid) == row.message.uuid:
            row.message.pk = pks[row.message.uuid]
            row.message._state.adding = False
            mine.append(row)
    _touch_conversations([row.message for row in mine])
    auto_assign({row.message.conversation_id for row in mine})
    _apply_effects(mine)
    return [row.message for row in mine]


def _contact_key(row: InboundRow) -> tuple[int, str]:
    return row.phone.account_id, row.wa_id


def _upsert_contacts(rows: list[InboundRow]) -> dict[tuple[int, str], Contact]:
    """The sender of each row, created if new; the newest profile name and user id of the batch
    replace the stored ones. Another account's contact with the same ``wa_id`` is never touched."""
    wanted: dict[tuple[int, str], tuple[str, str]] = {}
    for row in rows:
        name, user_id = wanted.get(_contact_key(row), ("", ""))
        wanted[_contact_key(row)] = (row.profile_name or name, row.user_id or user_id)
    found = _contacts(wanted)
    missing = [Contact(account_id=account_id, wa_id=wa_id, name=name, user_id=user_id)
               for (account_id, wa_id), (name, user_id) in wanted.items() if (account_id, wa_id) not in found]
    if missing:
        Contact.objects.bulk_create(missing, ignore_conflicts=True)
        found = _contacts(wanted)
    changed, now = [], timezone.now()
    for key, contact in found.items():
        name, user_id = wanted[key]
        if (name and contact.name != name) or (user_id and contact.user_id != user_id):
            contact.name, contact.user_id, contact.updated_at = name or contact.name, user_id or contact.user_id, now
            changed.append(contact)
    update_from_values(
        Contact,
        columns={"id": "id", "name": "name", "user_id": "user_id", "updated_at": "updated_at"},
        rows=[(contact.pk, contact.name, contact.user_id, contact.updated_at) for contact in changed],
        assignments={"name": "v.name", "user_id": "v.user_id", "updated_at": "v.updated_at"},
    )
    return found


def _contacts(keys) -> dict[tuple[int, str], Contact]:
    by_account: dict[int, set[str]] = {}
    for account_id, wa_id in keys:
        by_account.setdefault(account_id, set()).add(wa_id)
    which = functools.reduce(operator.or_, (Q(account_id=a, wa_id__in=w) for a, w in by_account.items()))
    return {(contact.account_id, contact.wa_id): contact for contact in Contact.objects.filter(which)}


def _conversations_for(rows: list[InboundRow], contacts) -> dict[tuple[int, int], Conversation]:
    """(contact id, number id) → conversation, created if new (one INSERT for all the new ones)."""
    phones = {row.phone.pk: row.phone for row in rows}
    by_pk = {contact.pk: contact for contact in contacts.values()}
    keys = {(contacts[_contact_key(row)].pk, row.phone.pk) for row in rows}

    def load() -> dict[tuple[int, int], Conversation]:
        which = Q(contact_id__in={c for c, _ in keys}, phone_number_id__in=phones)
        return {(c.contact_id, c.phone_number_id): c for c in Conversation.objects.filter(which)
                if (c.contact_id, c.phone_number_id) in keys}

    found = load()
    missing = [Conversation(contact_id=c, phone_number_id=p) for c, p in keys if (c, p) not in found]
    if missing:
        Conversation.objects.bulk_create(missing, ignore_conflicts=True)
        found = load()
    for conversation in found.values():  # the effects read them; no query for what we hold
        conversation.contact = by_pk[conversation.contact_id]
        conversation.phone_number = phones[conversation.phone_number_id]
    return found


def _touch_conversations(messages: list[Message]) -> None:
    """Window, unread count, last message and state of every conversation of ``messages``, in one
    UPDATE, and the ``opened`` / ``reopened`` events their customers' messages make, in one INSERT.

    The rows are locked first (in id order, so two workers never deadlock) and read: the newest
    message by Meta's time wins, whatever order webhooks arrive or are replayed in.
    """
    by_conversation: dict[int, list[Message]] = {}
    for message in messages:
        by_conversation.setdefault(message.conversation_id, []).append(message)
    if not by_conversation:
        return
    current = {
        pk: rest
        for pk, *rest in Conversation.objects.select_for_update(of=("self",))
        .filter(pk__in=by_conversation)
        .order_by("pk")
        .values_list("pk", "last_inbound_at", "unread_count", "last_message_id", "last_message__created_at",
                     "state", "state_changed_at")
    }
    rows, events = [], []
    for pk, (last_inbound_at, unread, last_id, last_at, state, state_changed_at) in current.items():
        mine = by_conversation[pk]
        written = [m.created_at for m in mine if m.type != "system"]  # a notice from WhatsApp, not the customer
        # A reaction or an edit is no new request: it reopens nothing.
        state, event = customer_wrote(Current(state, state_changed_at, last_inbound_at),
                                      [m.created_at for m in mine if m.type not in _NOT_UNREAD])
        if event is not None:
            event.conversation_id = pk
            events.append(event)
        if written and (last_inbound_at is None or max(written) > last_inbound_at):
            last_inbound_at = max(written)
        unread += sum(1 for m in mine if m.type not in _NOT_UNREAD)
        newest = max((m for m in mine if shows_in_inbox(m)), key=lambda m: (m.created_at, m.pk), default=None)
        last_message_at = None
        if newest is not None and (last_at is None or (newest.created_at, newest.pk) > (last_at, last_id or 0)):
            last_id, last_message_at = newest.pk, newest.created_at
        reopened = event is not None and event.kind == ConversationEvent.Kind.REOPENED
        rows.append((pk, last_inbound_at, unread, last_id, last_message_at, state,
                     timezone.now() if reopened else state_changed_at))
    update_from_values(
        Conversation,
        columns={"id": "id", "last_inbound_at": "last_inbound_at", "unread_count": "unread_count",
                 "last_message": "last_message", "last_message_at": "last_message_at", "state": "state",
                 "state_changed_at": "state_changed_at"},
        rows=rows,
        assignments={
            "last_inbound_at": "v.last_inbound_at",
            "unread_count": "v.unread_count",
            "last_message": "v.last_message",
            "last_message_at": "COALESCE(v.last_message_at, t.last_message_at)",
            "state": "v.state",
            "state_changed_at": "v.state_changed_at",
            # Reopened: the snooze is over.
            "snoozed_until": "CASE WHEN v.state = 'open' THEN NULL ELSE t.snoozed_until END",
        },
    )
    ConversationEvent.objects.bulk_create(events)


def _apply_effects(rows: list[InboundRow]) -> None:
    """What a stored message changes besides its conversation, in arrival order."""
    register_inbound_files([row.message for row in rows])
    for row in rows:
        record, payload = row.message, as_dict(row.message.payload)
        if record.type in UPDATE_TYPES:
            apply_update(record)
        elif record.type == "interactive" and payload.get("type") == "nfm_reply":
            record_flow_response(message=record, nfm_reply=as_dict(payload.get("nfm_reply")))
        elif record.type == "system" and payload.get("type") == "user_changed_number":
            new_wa_id = text_of(payload.get("wa_id") or payload.get("new_wa_id"), max_length=32)
            change_contact_number(
                contact=record.conversation.contact,
                new_wa_id=new_wa_id,
                occurred_at=record.meta_timestamp,
                detail=record.text,
                webhook_event=row.event,
            )
        elif record.type == "text":
            _keyword(record, row.event)
    _apply_pending_updates([row.message for row in rows])


def _keyword(record: Message, event: WebhookEvent | None) -> None:
    stop = keyword_preference(record.text)
    if stop is not None:
        set_marketing_preference(
            contact=record.conversation.contact,
            stop=stop,
            occurred_at=record.meta_timestamp,
            source=ContactEvent.Source.KEYWORD,
            detail=f"Wrote “{record.text.strip()[:20]}”",
            details={"wamid": record.wamid},
            webhook_event=event,
        )


def _apply_pending_updates(messages: list[Message]) -> None:
    """Reactions, edits and revokes that arrived before the message they refer to (one query
    for the batch), oldest first."""
    wamids = {message.wamid for message in messages if message.wamid}
    if not wamids:
        return
    pending = Message.objects.filter(target_wamid__in=wamids, target__isnull=True, type__in=UPDATE_TYPES)
    for update in pending.select_related("conversation").order_by("meta_timestamp", "id"):
        apply_update(update)

