"""Small, strict readers for pieces of Meta's webhook payloads."""

from datetime import UTC, datetime
from typing import Any


class InvalidPayload(ValueError):
    """The payload lacks something Meta always sends, or has it in the wrong type."""


def parse_timestamp(value: Any) -> datetime:
    """Meta's Unix-seconds string as an aware datetime."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise InvalidPayload(f"bad timestamp {value!r}") from None


def required_str(obj: dict, key: str, *, max_length: int = 255) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidPayload(f"missing or non-string {key!r}")
    return value[:max_length]


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
