"""Small, strict readers for pieces of Meta's webhook payloads, and the errors handlers raise.

Plain Python, below every app, so every app's webhook handlers share one vocabulary: processing
(in messaging) maps :class:`InvalidPayload` and :class:`ForeignObject` to a ``rejected`` event and
:class:`UnknownAccount` to an ``unroutable`` one, whichever app's handler raised it.

Structural keys (ids, event names, types, timestamps, the lists that hold items) are strict: a
wrong type raises ``InvalidPayload`` and the whole event is rejected. Content (captions, titles,
names) is lenient: whatever Meta sends is kept, and only strings and numbers become display text.
"""

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

# PostgreSQL's integer column; a larger "error code" from a mangled payload must not overflow it.
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class InvalidPayload(ValueError):
    """The payload lacks something Meta always sends, or has it in the wrong type."""


class UnknownAccount(LookupError):
    """The event names a WABA or phone number that no connected account has."""


class ForeignObject(Exception):
    """The event names an object (WABA, number, message, template, flow) of an account that did
    not sign it. Not a lookup miss: replaying it can never succeed, so it is rejected."""


def parse_json(body: str) -> Any:
    """``body`` parsed and made safe to store (see ``clean_json``); ``InvalidPayload`` otherwise."""
    try:
        return clean_json(json.loads(body, parse_constant=lambda _constant: None))
    except RecursionError:
        raise InvalidPayload("the body is nested too deeply") from None
    except ValueError:
        raise InvalidPayload("the body is not JSON") from None


def clean_json(value: Any) -> Any:
    """A copy of parsed JSON that every database accepts.

    NUL characters and lone surrogates (legal in JSON escapes) are refused by PostgreSQL and
    SQLite; infinite floats are not JSON at all. Iterative, so depth cannot crash it.
    """
    root: list[Any] = [value]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        container, key = stack.pop()
        item = container[key]
        if isinstance(item, str):
            container[key] = clean_text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            container[key] = None
        elif isinstance(item, list):
            stack.extend((item, i) for i in range(len(item)))
        elif isinstance(item, dict):
            cleaned = {clean_text(k): v for k, v in item.items()}
            container[key] = cleaned
            stack.extend((cleaned, k) for k in cleaned)
    return root[0]


def clean_text(text: str) -> str:
    """``text`` without NUL characters and lone surrogates, which no database stores."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def parse_timestamp(value: Any) -> datetime:
    """Meta's Unix-seconds string (or integer) as an aware datetime."""
    if isinstance(value, bool):
        raise InvalidPayload(f"bad timestamp {value!r}")
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise InvalidPayload(f"bad timestamp {value!r}") from None


def optional_timestamp(value: Any, default: datetime) -> datetime:
    """``parse_timestamp`` when ``value`` is given, ``default`` when it is missing."""
    return default if value is None else parse_timestamp(value)


def entry_time(entry: dict) -> datetime | None:
    """``entry[].time`` (when Meta triggered the webhook); ``None`` when the entry has none, which
    some management webhooks do. A ``time`` that is there but not a timestamp is invalid."""
    value = entry.get("time")
    return None if value is None else parse_timestamp(value)


def required_str(obj: dict, key: str, *, max_length: int = 255) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidPayload(f"missing or non-string {key!r}")
    return value[:max_length]


def optional_str(obj: dict, key: str, *, max_length: int = 255) -> str:
    """``obj[key]`` when it is a string, ``""`` when missing or null; anything else is invalid."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidPayload(f"non-string {key!r}")
    return value[:max_length]


def required_id(obj: dict, key: str) -> str:
    """A Graph id Meta sends as an integer (``message_template_id``) or as a digit string."""
    value = obj.get(key)
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit() or len(text) > 64:
        raise InvalidPayload(f"missing or non-numeric {key!r}")
    return text


def required_code(obj: dict, key: str, *, pattern: re.Pattern[str] | None = None) -> str:
    """One of Meta's upper-case codes (``APPROVED``, ``ACCOUNT_RESTRICTION`` …), stripped.

    Blank is invalid; so is a code that does not match ``pattern`` when one is given.
    """
    code = required_str(obj, key, max_length=64).strip().upper()
    if not code:
        raise InvalidPayload(f"blank {key!r}")
    if pattern is not None and not pattern.match(code):
        raise InvalidPayload(f"bad {key!r}: {code!r}")
    return code


def optional_code(obj: dict, key: str, *, pattern: re.Pattern[str] | None = None) -> str:
    """``required_code`` when ``obj[key]`` is given, ``""`` when it is missing, null or empty."""
    return required_code(obj, key, pattern=pattern) if obj.get(key) not in (None, "") else ""


def required_object(obj: dict, key: str) -> dict:
    value = obj.get(key)
    if not isinstance(value, dict):
        raise InvalidPayload(f"missing or non-object {key!r}")
    return value


def optional_object(obj: dict, key: str) -> dict:
    """``obj[key]`` when it is an object, ``{}`` when missing or null; wrong types are rejected."""
    return _optional(obj, key, dict, "an object")


def optional_id(obj: dict, key: str) -> str:
    """An id Meta sends as an integer or a string, as text; ``""`` when missing or null."""
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(f"bad {key!r}")
    return str(value)[:64]


def optional_list(obj: dict, key: str) -> list:
    """``obj[key]`` when it is a list, ``[]`` when missing or null; wrong types are rejected."""
    return _optional(obj, key, list, "a list")


def _optional(obj: dict, key: str, kind: type, what: str):
    value = obj.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InvalidPayload(f"{key!r} is not {what}")
    return value


def text_of(value: Any, *, max_length: int | None = None) -> str:
    """Display text: strings and numbers as they are, anything else (objects, lists) as ``""``."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = ""
    return text[:max_length] if max_length is not None else text


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    """An integer that fits a database integer column, or ``None``."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if _INT_MIN <= number <= _INT_MAX else None


def first_error(errors: Any) -> tuple[int | None, str, str]:
    """(code, title, details) of the first of Meta's error objects, for showing on a row."""
    error = as_dict(as_list(errors)[0]) if as_list(errors) else {}
    title = text_of(error.get("title")) or text_of(error.get("message"))
    details = text_of(as_dict(error.get("error_data")).get("details"))
    return as_int(error.get("code")), title[:255], details
