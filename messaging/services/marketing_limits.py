"""Meta's per-customer marketing limit (131049): no marketing template to that customer for 24 h.

131049 only comes in a failed status webhook. Retrying within 24 h would only make Meta block
the customer for longer, so the customer's ``marketing_limited_until`` is set to 24 h after the
failure, and the one eligibility check of template sends (``templates_mgr.services.eligibility``,
used by the console and campaigns) refuses marketing templates until then; support's resend of the
refused message itself waits as long (``resend_refusal``).
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ..models import Contact, Message, MessageStatusEvent

MARKETING_LIMIT_CODE = 131049
MARKETING_LIMIT_WAIT = timedelta(hours=24)


def note_marketing_limits(records: Iterable[MessageStatusEvent]) -> int:
    """Hold marketing back from every customer a ``failed`` 131049 in ``records`` names; returns how many."""
    until_by_message: dict[int, object] = {}
    for record in records:
        if record.status == Message.Status.FAILED and record.message_id is not None and _has_code(record.errors):
            until = record.timestamp + MARKETING_LIMIT_WAIT
            until_by_message[record.message_id] = max(until, until_by_message.get(record.message_id, until))
    changed = 0
    for message_id, until in until_by_message.items():
        changed += Contact.objects.filter(
            Q(marketing_limited_until__isnull=True) | Q(marketing_limited_until__lt=until),
            conversations__messages__pk=message_id,
        ).update(marketing_limited_until=until)
    return changed


def _has_code(errors) -> bool:
    for error in errors or []:
        try:
            if isinstance(error, dict) and int(error.get("code")) == MARKETING_LIMIT_CODE:
                return True
        except (TypeError, ValueError):
            continue
    return False


def resend_refusal(message: Message) -> str | None:
    """Why the failed ``message`` may not be sent again yet (it was refused with 131049 under 24 h ago)."""
    if message.error_code != MARKETING_LIMIT_CODE:
        return None
    until = message.conversation.contact.marketing_limited_until
    if until is None or until <= timezone.now():
        return None
    return (f"WhatsApp refused this marketing template under its per-customer marketing limit (131049): it can be "
            f"sent again after {timezone.localtime(until):%d %b %H:%M}; sooner would block the customer longer.")
