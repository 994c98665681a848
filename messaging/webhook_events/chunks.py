"""Cutting an event into chunks small enough for a short write transaction.

Meta batches up to 1,000 updates in one POST, and a valid 3 MB body holds about 9,000 messages:
applied in one transaction it held the embedded SQLite database's write lock for half a minute.
An event is therefore read as a flat sequence of *items* — one inbound message, status or error
of a ``messages`` change, or one whole change of any other field — and applied ``chunk_items()``
at a time. Progress is kept on the event as the number of items applied (an offset, not a chunk
number, so a changed chunk size never skips or repeats anything on resume).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from cloudapi.webhook_payloads import InvalidPayload


def chunk_items() -> int:
    """Items per write transaction at most (fewer on a slow machine, see ``CHUNK_SECONDS``): the
    ``WEBHOOK_CHUNK_ITEMS`` setting, 100 by default — about 0.4 s of work on the embedded SQLite
    database of an idle machine."""
    return settings.WEBHOOK_CHUNK_ITEMS

# The lists of a ``messages`` change that are split; everything else of its value (metadata,
# contacts) goes with every piece.
_SPLIT_KEYS = ("messages", "statuses", "errors")


@dataclass(frozen=True)
class Item:
    entry: dict[str, Any]
    change: dict[str, Any]
    key: str | None  # one of _SPLIT_KEYS, or None: the whole change
    part: Any


@dataclass(frozen=True)
class Piece:
    """What one handler call gets: a change, or a slice of a ``messages`` change."""

    entry: dict[str, Any]
    field: str
    value: dict[str, Any]


def event_items(payload: dict[str, Any]) -> list[Item]:
    """The items of a parsed envelope, in the order they are applied; raises ``InvalidPayload``."""
    items: list[Item] = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise InvalidPayload("an entry is not an object")
        changes = entry.get("changes")
        if not isinstance(changes, list):
            raise InvalidPayload("an entry has no changes list")
        for change in changes:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise InvalidPayload("a change has no value object")
            if not isinstance(change.get("field"), str):
                raise InvalidPayload("a change has no field name")
            items.extend(_change_items(entry, change))
    return items


def pieces_of(items: list[Item]) -> list[Piece]:
    """Regroup consecutive items of one change into the value its handler expects."""
    pieces: list[Piece] = []
    split_change = None  # the change the last piece is a slice of, if any
    for item in items:
        if item.key is not None and item.change is split_change:
            pieces[-1].value.setdefault(item.key, []).append(item.part)
            continue
        if item.key is None:
            split_change, value = None, item.change["value"]
        else:
            split_change = item.change
            value = {k: v for k, v in item.change["value"].items() if k not in _SPLIT_KEYS}
            value[item.key] = [item.part]
        pieces.append(Piece(entry=item.entry, field=item.change["field"], value=value))
    return pieces


def _change_items(entry: dict[str, Any], change: dict[str, Any]) -> list[Item]:
    value = change["value"]
    lists = {key: value.get(key) for key in _SPLIT_KEYS if key in value}
    # Only a well-formed messages change is split; anything else goes whole to its handler,
    # which rejects it as before.
    if change["field"] != "messages" or not lists or not all(isinstance(v, list) for v in lists.values()):
        return [Item(entry=entry, change=change, key=None, part=None)]
    items = [Item(entry=entry, change=change, key=key, part=part) for key, parts in lists.items() for part in parts]
    return items or [Item(entry=entry, change=change, key=None, part=None)]
