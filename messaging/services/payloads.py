"""Readers for pieces of Meta's webhook payloads: the vocabulary every app's handlers share.

They live in ``cloudapi.webhook_payloads`` (below every app) so that an ``InvalidPayload`` raised
by any app's handler is the one processing maps to a ``rejected`` event. Messaging imports them
from here.
"""

from cloudapi.webhook_payloads import (
    InvalidPayload,
    as_dict,
    as_int,
    as_list,
    clean_json,
    clean_text,
    entry_time,
    first_error,
    optional_list,
    optional_timestamp,
    parse_json,
    parse_timestamp,
    required_str,
    text_of,
)

__all__ = [
    "InvalidPayload",
    "as_dict",
    "as_int",
    "as_list",
    "clean_json",
    "clean_text",
    "entry_time",
    "first_error",
    "optional_list",
    "optional_timestamp",
    "parse_json",
    "parse_timestamp",
    "required_str",
    "text_of",
]
