"""The ``messages`` field: inbound messages, statuses of ours, and errors not tied to a message.

The drain collects the ``messages`` changes of every event it claimed into one
:class:`MessagesBatch` — each event checked on its own (tenancy, payload) before anything of it
joins the batch — and then applies the batch with a few set-based statements (see
``services.inbound`` and ``services.statuses``). ``handle_messages``, the field's handler in the
registry, is the same thing for one change.
"""

import functools
import operator
import uuid
from typing import Any

from django.db.models import Q

from accounts.models import PhoneNumber
from accounts.webhook_scope import ANY_ACCOUNT, SignerScope
from cloudapi.webhook_payloads import UnknownAccount, as_dict, entry_time, optional_list, text_of

from ..models import Contact, WebhookEvent
from ..services.account_events import record_webhook_errors
from ..services.inbound import InboundRow, parse_inbound, store_inbound_messages
from ..services.set_updates import update_from_values
from ..services.statuses import StatusRow, apply_statuses, callback_uuid, find_messages, parse_status
from .errors import UnknownPhoneNumber


def handle_messages(
    *, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent, scope: SignerScope = ANY_ACCOUNT
) -> list[str]:
    """Store inbound messages, apply statuses, record ``value.errors`` as account warnings.

    The number and every message the change names (by wamid, or by our UUID in a status) must be
    the signer's. Returns the parts kept without being applied: system notices that name no sender.
    """
    batch = MessagesBatch()
    kept = batch.add(value=value, entry=entry, event=event, scope=scope)
    batch.apply()
    return kept


class MessagesBatch:
    """The ``messages`` changes of many events, applied together."""

    def __init__(self) -> None:
        self.inbound: list[InboundRow] = []
        self.statuses: list[StatusRow] = []
        self.user_ids: list[tuple[int, str, str]] = []  # (account id, wa_id, Meta's user id)
        self._by_wamid: dict[str, tuple[int, int]] = {}
        self._by_uuid: dict[uuid.UUID, tuple[int, int]] = {}
        self._looked_up: set = set()

    def prefetch(self, values: list[dict[str, Any]]) -> None:
        """Look up, in two queries, every stored message these changes name."""
        wamids, uuids = set(), set()
        for value in values:
            more_wamids, more_uuids = _named(value)
            wamids |= more_wamids
            uuids |= more_uuids
        self._look_up(wamids, uuids)

    def add(self, *, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent, scope: SignerScope) -> list[str]:
        """Check one change and take its parts into the batch; all of it or, when it raises
        (``InvalidPayload``, ``ForeignObject``, ``UnknownAccount``), nothing. Its ``errors`` are
        recorded at once. Returns the parts kept without being applied."""
        phone = _phone_of(value, scope)
        messages = optional_list(value, "messages")
        statuses = optional_list(value, "statuses")
        self._claim(value, scope)
        errors = optional_list(value, "errors")
        contacts = optional_list(value, "contacts")
        names, user_ids = _profile_names(contacts), _user_ids(contacts)
        kept: list[str] = []
        inbound: list[InboundRow] = []
        for message in messages:
            if _is_senderless_notice(message):
                # e.g. user_changed_user_id: no "from", so no conversation to put it in; the raw
                # event keeps it and the admin shows it among the event's unhandled parts.
                kept.append(f"messages:system:{text_of(as_dict(message.get('system')).get('type'))}"[:64])
                continue
            sender = message.get("from") if isinstance(message, dict) else None
            sender = sender[:32] if isinstance(sender, str) else ""
            inbound.append(parse_inbound(phone_number=phone, message=message, profile_name=names.get(sender, ""),
                                         user_id=user_ids.get(sender, ""), event=event))
        parsed = [parse_status(status, event=event) for status in statuses]
        for row in parsed:
            found = self._by_wamid.get(row.record.wamid) or self._by_uuid.get(row.callback_uuid)
            row.message_id = found[0] if found else None
        if errors:  # written now: the drain gives an event with errors a savepoint of its own
            record_webhook_errors(
                errors=errors, phone_number=phone, occurred_at=entry_time(entry) or event.received_at, event=event
            )
        self.inbound += inbound
        self.statuses += parsed
        if statuses:
            self.user_ids += [(phone.account_id, wa_id, user_id) for wa_id, user_id in user_ids.items() if user_id]
        return kept

    def checkpoint(self) -> tuple[int, int, int]:
        return len(self.inbound), len(self.statuses), len(self.user_ids)

    def rollback(self, checkpoint: tuple[int, int, int]) -> None:
        """Forget what was added since ``checkpoint`` (an event that turned out bad)."""
        inbound, statuses, user_ids = checkpoint
        del self.inbound[inbound:], self.statuses[statuses:], self.user_ids[user_ids:]

    def apply(self) -> None:
        """Store the inbound messages, then apply the statuses (a status whose message came in
        this batch finds it), then keep the customers' user ids."""
        stored = {message.wamid: message.pk for message in store_inbound_messages(self.inbound)}
        for row in self.statuses:
            if row.message_id is None:
                row.message_id = stored.get(row.record.wamid)
        apply_statuses(self.statuses)
        _record_user_ids(self.user_ids)
        self.inbound, self.statuses, self.user_ids = [], [], []

    def _claim(self, value: dict[str, Any], scope: SignerScope) -> None:
        """Every stored message the change names is the signer's."""
        wamids, uuids = _named(value)
        self._look_up(wamids, uuids)
        for wamid in wamids:
            if wamid in self._by_wamid:
                scope.claim(owner_id=self._by_wamid[wamid][1], what=f"message {wamid}")
        for our_uuid in uuids:
            if our_uuid in self._by_uuid:
                scope.claim(owner_id=self._by_uuid[our_uuid][1], what=f"message {our_uuid}")

    def _look_up(self, wamids: set[str], uuids: set[uuid.UUID]) -> None:
        wamids, uuids = wamids - self._looked_up, uuids - self._looked_up
        if not wamids and not uuids:
            return
        by_wamid, by_uuid = find_messages(wamids=wamids, uuids=uuids)
        self._by_wamid.update(by_wamid)
        self._by_uuid.update(by_uuid)
        self._looked_up |= wamids | uuids


def _named(value: dict[str, Any]) -> tuple[set[str], set[uuid.UUID]]:
    """The wamids and our UUIDs a change names (whatever its shape: checked later)."""
    messages, statuses = value.get("messages"), value.get("statuses")
    items = (messages if isinstance(messages, list) else []) + (statuses if isinstance(statuses, list) else [])
    wamids = {text_of(item.get("id"), max_length=255) for item in items if isinstance(item, dict)}
    wamids.discard("")
    uuids = {found for status in (statuses if isinstance(statuses, list) else []) if (found := callback_uuid(status))}
    return wamids, uuids


def _record_user_ids(user_ids: list[tuple[int, str, str]]) -> None:
    """Keep Meta's business-scoped user ids on existing contacts (a status webhook names the
    customer but does not make them a contact): one query, and an UPDATE only for a changed one."""
    wanted = {(account_id, wa_id): user_id for account_id, wa_id, user_id in user_ids}
    if not wanted:
        return
    by_account: dict[int, set[str]] = {}
    for account_id, wa_id in wanted:
        by_account.setdefault(account_id, set()).add(wa_id)
    # Account first: the (account, wa_id) unique index finds them, never a scan of every contact.
    which = functools.reduce(operator.or_, (Q(account_id=a, wa_id__in=w) for a, w in by_account.items()))
    changed = []
    for contact in Contact.objects.filter(which).only("account_id", "wa_id", "user_id"):
        user_id = wanted.get((contact.account_id, contact.wa_id))
        if user_id and contact.user_id != user_id:
            contact.user_id = user_id
            changed.append(contact)
    update_from_values(
        Contact, columns={"id": "id", "user_id": "user_id"}, rows=[(contact.pk, contact.user_id) for contact in changed],
        assignments={"user_id": "v.user_id"},
    )


def _phone_of(value: dict[str, Any], scope: SignerScope) -> PhoneNumber:
    phone_number_id = text_of(as_dict(value.get("metadata")).get("phone_number_id"), max_length=64)
    try:
        return scope.phone_by_id(phone_number_id)
    except UnknownAccount as exc:
        raise UnknownPhoneNumber(str(exc)) from None


def _profile_names(contacts: list[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str):
            names[wa_id[:32]] = text_of(as_dict(contact.get("profile")).get("name"), max_length=200)
    return names


def _user_ids(contacts: list[Any]) -> dict[str, str]:
    """``wa_id`` → Meta's business-scoped user id, for the entries that carry both."""
    user_ids: dict[str, str] = {}
    for contact in contacts:
        contact = as_dict(contact)
        wa_id = contact.get("wa_id")
        if isinstance(wa_id, str):
            user_ids[wa_id[:32]] = text_of(contact.get("user_id"), max_length=128)
    return user_ids


def _is_senderless_notice(message: Any) -> bool:
    return isinstance(message, dict) and message.get("type") == "system" and "from" not in message
