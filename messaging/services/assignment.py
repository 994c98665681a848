"""Who works a conversation: assign it to an operator of its number, or to nobody."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts import roles

from ..models import Conversation


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


def assign_conversation(*, conversation: Conversation, assignee) -> Conversation:
    """Give ``conversation`` to ``assignee`` (``None``: to nobody).

    Refuses (``ValidationError``) someone who may not work the conversation's number.
    """
    if assignee is not None and not assignable_users(conversation).filter(pk=assignee.pk).exists():
        raise ValidationError(f"{assignee.get_username()} does not work +{conversation.phone_number.display_phone_number}.")
    Conversation.objects.filter(pk=conversation.pk).update(assigned_to=assignee)
    conversation.assigned_to = assignee
    return conversation
