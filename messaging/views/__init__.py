"""The operator console: inbox, thread, compose, contacts. Thin: access → form → service → redirect."""

from .compose import conversation_compose, conversation_send
from .composer import composer_enter_preference, conversation_compose_check
from .contacts import contact_consent, contact_detail, contact_list, contact_notes, contact_profile, conversation_new
from .flow_endpoint_settings import flow_endpoint_settings
from .inbox import conversation_assign, inbox
from .thread import (
    conversation_detail,
    conversation_messages,
    conversation_older,
    conversation_read,
    conversation_typing,
)

__all__ = [
    "composer_enter_preference",
    "contact_consent",
    "contact_detail",
    "contact_list",
    "contact_notes",
    "contact_profile",
    "conversation_assign",
    "conversation_compose",
    "conversation_compose_check",
    "conversation_detail",
    "conversation_messages",
    "conversation_new",
    "conversation_older",
    "conversation_send",
    "conversation_read",
    "conversation_typing",
    "flow_endpoint_settings",
    "inbox",
]
