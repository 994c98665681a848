"""Who works a conversation: assign it to an operator of its number, or to nobody."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import roles
from accounts.services.audit import record_audits

from ..models import Conversation, ConversationEvent


def assignable_users(conversation: Conversation) -> QuerySet:
    """Active users who may answer the conversation: granted its number (or administrators) and
    holding ``messaging.send_message`` (themselves or through a group) — nobody who could only read it."""
    return assignable_for_number(conversation.phone_number_id)


def assignable_for_number(phone_number_id: int) -> QuerySet:
    """The people who may answer conversations of the number ``phone_number_id`` (see :func:`assignable_users`)."""
    may_send = Permission.objects.filter(content_type__app_label="messaging", codename="send_message")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(phone_numbers=phone_number_id)
            | Q(is_superuser=True)
            | Q(groups__name=roles.ADMINISTRATOR)
        )
        .filter(Q(is_superuser=True) | Q(user_permissions__in=may_send) | Q(groups__permissions__in=may_send))
        .distinct()
        .order_by("username")
    )


def users_for_numbers(numbers) -> QuerySet:
    """Active users who may answer on any of ``numbers`` (the inbox's bulk assign list)."""
    may_send = Permission.objects.filter(content_type__app_label="messaging", codename="send_message")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(phone_numbers__in=numbers) | Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR))
        .filter(Q(is_superuser=True) | Q(user_permissions__in=may_send) | Q(groups__permissions__in=may_send))
        .distinct()
        .order_by("username")
    )


def assign_conversation(*, conversation: Conversation, assignee, actor=None) -> Conversation:
    """Give ``conversation`` to ``assignee`` (``None``: to nobody), by ``actor``.

    Refuses (``ValidationError``) someone who may not work the conversation's number. Records an
    ``assigned`` event (the thread's system line) and an audit entry when it changes hands.
    """
    return assign_conversations(conversations=[conversation], assignee=assignee, actor=actor)[0]


@transaction.atomic
def assign_conversations(*, conversations: list[Conversation], assignee, actor=None) -> list[Conversation]:
    """Give every one of ``conversations`` (already scoped to what ``actor`` may see) to ``assignee``:
    all of them or, when the assignee may not work one of their numbers, none (``ValidationError``).
    A few statements whatever their number (the inbox's bulk action)."""
    if assignee is not None:
        numbers = {c.phone_number_id: c for c in conversations}
        for conversation in numbers.values():
            if not assignable_users(conversation).filter(pk=assignee.pk).exists():
                raise ValidationError(
                    f"{assignee.get_username()} does not work +{conversation.phone_number.display_phone_number}."
                )
    changing = [c for c in conversations if c.assigned_to_id != (assignee.pk if assignee else None)]
    if changing:
        Conversation.objects.filter(pk__in=[c.pk for c in changing]).update(assigned_to=assignee)
        now = timezone.now()
        details = {"to": assignee.get_username() if assignee else "", "to_id": assignee.pk if assignee else None}
        person = actor if getattr(actor, "is_authenticated", False) else None
        ConversationEvent.objects.bulk_create([
            ConversationEvent(conversation=c, kind=ConversationEvent.Kind.ASSIGNED, actor=person, occurred_at=now,
                              details={**details, "from_id": c.assigned_to_id})
            for c in changing
        ])
        record_audits(actor=actor, action="conversation.assign",
                      objects=[(c, c.phone_number.account_id) for c in changing], details={"to_id": details["to_id"]})
    for conversation in conversations:
        conversation.assigned_to = assignee
    return conversations
