"""The inbox: conversations by last activity, filtered and searched, a page at a time.

Every page is a fixed number of queries: the page itself (keyset-paginated on
``(last_message_at, id)``), plus two bounded candidate queries when searching. Search looks at
the contact's name and number and at message text; on PostgreSQL trigram indexes (migration
0003) serve the ``icontains``; anywhere, each candidate query stops at ``SEARCH_CANDIDATES``
rows, newest first, so a word found in half the history costs no more than a rare one.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import accessible_phone_numbers

from ..models import SERVICE_WINDOW, Conversation, Message
from .cursors import encode_cursor

PAGE_SIZE = 50
_ROW_SKIPS = ("context", "referral", "errors", "reactions", "previous_versions", "error_details")
SEARCH_CANDIDATES = 200


@dataclass(frozen=True)
class InboxFilters:
    """What the operator asked the inbox for (each maps to a URL query parameter)."""

    q: str = ""
    number: int | None = None  # a PhoneNumber pk
    window: str = ""  # "open" | "closed"
    assigned: str = ""  # "" (mine and unassigned) | "me" | "others" | "nobody" | "anyone"
    unread: bool = False
    state: str = "open"  # a Conversation.State, or "all"
    label: int | None = None  # a Label pk
    before: tuple[datetime, int] | None = None  # keyset cursor: older than this (last_message_at, id)


@dataclass
class InboxPage:
    conversations: list[Conversation]
    next_cursor: str = ""  # the "older" link's ``before``, when there is more
    snippets: dict[int, str] = field(default_factory=dict)  # conversation pk → matching message text


def inbox_for(user) -> QuerySet[Conversation]:
    """Every conversation ``user`` may see, newest activity first."""
    return (
        Conversation.objects.filter(phone_number__in=accessible_phone_numbers(user))
        .select_related("contact", "phone_number", "assigned_to")
        .order_by("-last_message_at", "-id")
    )


def conversation_for_user(user, pk: int) -> Conversation:
    """The conversation if ``user`` may see it; 404 otherwise (no hint that it exists)."""
    conversation = inbox_for(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def inbox_page(user, filters: InboxFilters, *, limit: int | None = None) -> InboxPage:
    """One page of the inbox for ``filters``; ``next_cursor`` is set when there is more."""
    limit = limit or PAGE_SIZE
    now = timezone.now()
    # The row's last message comes in the same query; the bulky columns it does not show stay behind.
    conversations = (
        inbox_for(user)
        .filter(_conditions(filters, user, now))
        .select_related("last_message")
        .prefetch_related("labels")
        .defer(*(f"last_message__{name}" for name in _ROW_SKIPS))
    )
    snippets: dict[int, str] = {}
    if filters.q:
        ids, snippets = _search(user, filters, now, limit=limit + 1)
        conversations = conversations.filter(pk__in=ids)
    rows = list(conversations[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor(rows[-1].last_message_at, rows[-1].pk) if more and rows else ""
    return InboxPage(conversations=rows, next_cursor=cursor, snippets=snippets)


def _conditions(filters: InboxFilters, user, now: datetime, prefix: str = "", *, with_state: bool = True) -> Q:
    """The filters as one ``Q``; ``prefix`` ("conversation__") applies them from ``Message``;
    ``with_state=False`` leaves the state out (the counts per state)."""
    p = prefix
    condition = Q()
    if filters.number is not None:
        condition &= Q(**{f"{p}phone_number_id": filters.number})
    if filters.window == "open":
        condition &= Q(**{f"{p}last_inbound_at__gt": now - SERVICE_WINDOW})
    elif filters.window == "closed":
        condition &= Q(**{f"{p}last_inbound_at__isnull": True}) | Q(**{f"{p}last_inbound_at__lte": now - SERVICE_WINDOW})
    if filters.assigned == "":
        condition &= Q(**{f"{p}assigned_to": user}) | Q(**{f"{p}assigned_to__isnull": True})
    elif filters.assigned == "me":
        condition &= Q(**{f"{p}assigned_to": user})
    elif filters.assigned == "others":
        condition &= Q(**{f"{p}assigned_to__isnull": False}) & ~Q(**{f"{p}assigned_to": user})
    elif filters.assigned == "nobody":
        condition &= Q(**{f"{p}assigned_to__isnull": True})
    if filters.unread:
        condition &= Q(**{f"{p}unread_count__gt": 0})
    if filters.label is not None:
        condition &= Q(**{f"{p}labels": filters.label})
    if with_state and filters.state != "all":
        condition &= Q(**{f"{p}state": filters.state})
    if filters.before is not None:
        at, pk = filters.before
        condition &= Q(**{f"{p}last_message_at__lt": at}) | Q(**{f"{p}last_message_at": at, f"{p}pk__lt": pk})
    return condition


def state_counts(user, filters: InboxFilters, *, numbers: QuerySet | None = None) -> dict[str, int]:
    """How many conversations of each state the other filters (number, assignee, window, unread,
    label; not the search) leave: one aggregate query over the user's numbers (``numbers``, when
    the caller has them: ``accessible_phone_numbers(user)``), which ``conversation_state_idx`` serves."""
    base = InboxFilters(number=filters.number, window=filters.window, assigned=filters.assigned,
                        unread=filters.unread, label=filters.label)
    rows = (
        Conversation.objects.filter(phone_number__in=numbers if numbers is not None else accessible_phone_numbers(user))
        .filter(_conditions(base, user, timezone.now(), with_state=False))
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    counts = {state: 0 for state in Conversation.State.values}
    counts.update(dict(rows))
    return counts


def _search(user, filters: InboxFilters, now: datetime, *, limit: int) -> tuple[set[int], dict[int, str]]:
    """Conversation ids whose contact or recent messages match ``filters.q`` (two bounded queries).

    Contact matches: the ``limit`` most recently active are all a page can show. Message matches:
    the newest ``SEARCH_CANDIDATES`` matching messages, whose conversations are the recent ones.
    """
    term = filters.q
    by_contact = Q(contact__name__icontains=term) | Q(labels__name__iexact=term)
    digits = re.sub(r"\D", "", term)
    if len(digits) >= 3:
        by_contact |= Q(contact__wa_id__contains=digits)
    scoped = Conversation.objects.filter(phone_number__in=accessible_phone_numbers(user))
    ids = set(
        scoped.filter(_conditions(filters, user, now), by_contact)
        .order_by("-last_message_at")
        .values_list("pk", flat=True)[:limit]
    )
    # Newest matching messages first, walking the primary key: stops early for common words,
    # and the trigram index answers rare ones.
    matches = (
        Message.objects.filter(
            _conditions(filters, user, now, prefix="conversation__"),
            conversation__phone_number__in=accessible_phone_numbers(user),
            text__icontains=term,
        )
        .order_by("-pk")
        .values_list("conversation_id", "text")[:SEARCH_CANDIDATES]
    )
    snippets: dict[int, str] = {}
    for conversation_id, text in matches:
        snippets.setdefault(conversation_id, text)
    return ids | set(snippets), snippets
