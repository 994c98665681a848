"""Reads for the console: every query is scoped to the numbers the user may work."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import accessible_phone_numbers

from .models import Conversation, Message
from .services.message_updates import UPDATE_TYPES


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
    """The newest ``limit`` messages, oldest first, with their status timelines.

    Reactions, edits and revokes applied to a message show on that message's bubble, not as
    bubbles of their own; each message knows the one it quotes (``quoted``) when we have it.
    """
    newest = (
        conversation.messages.exclude(type__in=UPDATE_TYPES, target__isnull=False)
        .order_by("-created_at", "-id")
        .select_related("sent_by", "flow_response__flow")
        .prefetch_related("status_events")[:limit]
    )
    thread = list(reversed(newest))
    quoted_ids = {m.context_wamid for m in thread if m.context_wamid}
    quoted_rows = Message.objects.filter(conversation=conversation, wamid__in=quoted_ids) if quoted_ids else []
    quoted = {q.wamid: q for q in quoted_rows}
    for message in thread:
        target = quoted.get(message.context_wamid)
        message.quoted = target if target is not None and target.pk != message.pk else None
    return thread
