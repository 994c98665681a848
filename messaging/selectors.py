"""Reads for the console: every query is scoped to the numbers the user may work."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import accessible_phone_numbers

from .models import Conversation, Message


def inbox_for(user) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(phone_number__in=accessible_phone_numbers(user))
        .select_related("contact", "phone_number")
        .order_by("-last_message_at")
    )


def conversation_for_user(user, pk: int) -> Conversation:
    """The conversation if ``user`` may see it; 404 otherwise (no hint that it exists)."""
    conversation = inbox_for(user).filter(pk=pk).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def thread_messages(conversation: Conversation, *, limit: int = 200) -> list[Message]:
    """The newest ``limit`` messages, oldest first, with their status timelines."""
    newest = (
        conversation.messages.order_by("-created_at", "-id").select_related("sent_by").prefetch_related("status_events")[
            :limit
        ]
    )
    return list(reversed(newest))
