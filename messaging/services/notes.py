"""Private notes: the team's words in a thread, never a ``Message``, never sent to WhatsApp.

``@username`` in a note mentions a colleague who may see the conversation's number: a ``Mention``
row they are notified of (an unseen count in the console's nav, their list of mentions) until
they open the thread.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.services.audit import record_audit

from ..models import Conversation, Mention, Note

NOTE_MAX_LENGTH = 4000
_MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")


def mentionable_users(conversation: Conversation) -> QuerySet:
    """Active users who may see ``conversation``: granted its number, administrators, superusers;
    holding a role (a user without one opens no console page)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(phone_numbers=conversation.phone_number_id) | Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR))
        .filter(Q(is_superuser=True) | Q(groups__name__in=roles.ROLES))
        .distinct()
        .order_by("username")
    )


def mentioned_usernames(body: str) -> list[str]:
    """The ``@names`` written in ``body``, in order, once each (a trailing full stop is punctuation)."""
    seen: dict[str, None] = {}
    for name in _MENTION.findall(body or ""):
        seen.setdefault(name.rstrip(".").lower(), None)
    return list(seen)


@transaction.atomic
def add_note(*, conversation: Conversation, author, body: str) -> Note:
    """Store a note in the thread and a ``Mention`` for each colleague it names who may see the
    conversation (other ``@words`` stay plain text). Nothing reaches Meta. Audited (its length and
    mentions, never its words)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write the note first.")
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationError(f"A note is at most {NOTE_MAX_LENGTH} characters.")
    note = Note.objects.create(conversation=conversation, author=author, body=body)
    names = mentioned_usernames(body)
    users = []
    if names:
        candidates = {u.get_username().lower(): u for u in mentionable_users(conversation)}
        users = [candidates[name] for name in names if name in candidates and candidates[name].pk != author.pk]
        Mention.objects.bulk_create([Mention(note=note, user=user, created_at=note.created_at) for user in users])
    record_audit(actor=author, action="conversation.note", obj=conversation, account=conversation.phone_number.account_id,
                 details={"note_id": note.pk, "length": len(body), "mentioned": [u.pk for u in users]})
    return note


def mark_mentions_seen(*, user, conversation: Conversation) -> int:
    """``user`` opened ``conversation``: their mentions in it are seen. Returns how many."""
    return Mention.objects.filter(user=user, seen_at__isnull=True, note__conversation=conversation).update(
        seen_at=timezone.now()
    )
