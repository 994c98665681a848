"""Ids (and page numbers) read from the URL path or the query string, bounded to the database's range.

Python's int has no limit but the database's does: a hand-edited ``?account=99999999999999999999999``
reached SQLite as an OverflowError, a 500. Every id from a URL goes through here, so anything that is
not a whole number from 1 to ``ID_MAX`` is "no id" (None) in a query string and "no such page" (404)
in a path — never a crash.
"""

from __future__ import annotations

ID_MAX = 2**63 - 1  # a BigAutoField (DEFAULT_AUTO_FIELD), on SQLite and PostgreSQL alike


def parse_id(value: object) -> int | None:
    """``value`` as a positive integer within the database's range, or None (missing, text, ≤ 0, too big)."""
    text = str(value if value is not None else "").strip()
    # isdecimal() rather than int(): int() also takes "+5", "1_000" and other digits than 0-9.
    if not (text.isascii() and text.isdecimal()) or len(text) > len(str(ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= ID_MAX else None


class IdConverter:
    """``<id:pk>`` in a URL pattern: like ``<int:pk>``, but an id the database can't hold is a 404."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError("out of the database's range")  # the resolver treats this as no match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class MetaIdConverter:
    """``<meta_id:phone_number_id>``: one of Meta's ids (digits only, as Graph writes them); anything
    else is a 404 before a view runs."""

    regex = "[0-9]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)
