"""Round-robin auto-assignment: a customer writes in an unassigned conversation of a number that has
it switched on (``AutoAssignment``), and the conversation goes to the next operator of that number
who is online, in turn.

Called once per stored batch of inbound messages (the webhook drain), so it is bulk-shaped: one
query finds the batch's unassigned conversations, and only when some are on a number with
round-robin on does it cost more — per such number the people who may answer it and who of them
is online, then one UPDATE per assignee (guarded by ``assigned_to IS NULL``, so a person assigning
meanwhile wins) and one INSERT of the thread's system lines.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_audit

from ..models import AutoAssignment, Conversation, ConversationEvent
from .assignment import assignable_for_number
from .presence import online_user_ids


def auto_assign(conversation_ids: Iterable[int]) -> dict[int, int]:
    """Assign the unassigned conversations among ``conversation_ids`` on round-robin numbers to their
    numbers' online operators in turn; returns conversation id → user id for those assigned."""
    ids = set(conversation_ids)
    if not ids:
        return {}
    waiting: dict[int, list[int]] = {}
    for pk, number in (Conversation.objects.filter(pk__in=ids, assigned_to__isnull=True)
                       .order_by("pk").values_list("pk", "phone_number_id")):
        waiting.setdefault(number, []).append(pk)
    if not waiting:
        return {}
    assigned: dict[int, int] = {}
    with transaction.atomic():
        # Locked: two workers draining at once take turns on a number's pointer, never the same turn.
        for rule in AutoAssignment.objects.select_for_update().filter(phone_number_id__in=waiting, enabled=True).order_by("pk"):
            assigned.update(_assign_in_turn(rule, waiting[rule.phone_number_id]))
    return assigned


def _assign_in_turn(rule: AutoAssignment, conversation_ids: list[int]) -> dict[int, int]:
    people = {user.pk: user for user in assignable_for_number(rule.phone_number_id).order_by("pk")}
    online = sorted(online_user_ids(people))
    if not online:
        return {}  # nobody at their desk: the conversations wait, unassigned, as before
    start = next((index for index, pk in enumerate(online) if pk > (rule.last_assigned_id or 0)), 0)
    turns = {pk: online[(start + index) % len(online)] for index, pk in enumerate(conversation_ids)}
    done: dict[int, int] = {}
    for user_id in set(turns.values()):
        mine = [pk for pk, who in turns.items() if who == user_id]
        taken = list(Conversation.objects.filter(pk__in=mine, assigned_to__isnull=True).values_list("pk", flat=True))
        Conversation.objects.filter(pk__in=taken, assigned_to__isnull=True).update(assigned_to=user_id)
        done.update({pk: user_id for pk in taken})
    now = timezone.now()
    ConversationEvent.objects.bulk_create([
        ConversationEvent(conversation_id=pk, kind=ConversationEvent.Kind.ASSIGNED, occurred_at=now,
                          details={"assignee_id": user_id, "assignee": people[user_id].get_username(), "by": "round_robin"})
        for pk, user_id in done.items()
    ])
    if done:
        AutoAssignment.objects.filter(pk=rule.pk).update(last_assigned=turns[conversation_ids[-1]])
    return done


def set_auto_assignment(*, actor, phone_number, enabled: bool) -> AutoAssignment:
    """Switch round-robin on or off for ``phone_number``, audited."""
    with transaction.atomic():
        rule, _ = AutoAssignment.objects.update_or_create(phone_number=phone_number, defaults={"enabled": enabled})
        record_audit(actor=actor, action="auto_assignment.enable" if enabled else "auto_assignment.disable",
                     obj=phone_number, account=phone_number.account_id)
    return rule
