"""Reads for the console: every query is scoped to the numbers the user may work.

``inbox`` lists and searches conversations, ``thread`` pages a conversation's bubbles,
``contacts`` lists contacts; each page costs a fixed number of queries whatever the history.
"""

from .contacts import contact_for_user, contacts_for
from .inbox import InboxFilters, InboxPage, conversation_for_user, inbox_for, inbox_page, state_counts
from .mentions import mentions_for, unseen_mentions
from .thread import ThreadPage, thread_after, thread_before, thread_latest, thread_messages

__all__ = [
    "InboxFilters",
    "InboxPage",
    "ThreadPage",
    "contact_for_user",
    "contacts_for",
    "conversation_for_user",
    "inbox_for",
    "inbox_page",
    "mentions_for",
    "state_counts",
    "unseen_mentions",
    "thread_after",
    "thread_before",
    "thread_latest",
    "thread_messages",
]
