"""Where a campaign stands, counted from its recipient rows joined to their messages — two aggregate
queries, never a counter row that every status webhook would have to update.

The funnel is cumulative: ``sent`` counts every message that left us (Meta accepted it, or it went
further), ``delivered`` those delivered or read, ``read`` those read; ``replied`` those after which
the customer wrote in the conversation. ``queued`` is what is still in our pipeline.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, CharField, Count, Exists, Max, Min, OuterRef, Value, When
from django.db.models.functions import Trunc
from django.utils import timezone

from messaging.models import Message
from messaging.services.maintenance import STUCK_SENDING_AFTER

from ..models import Campaign, CampaignRecipient

Recipient, Status = CampaignRecipient.State, Message.Status
_SENT = {Status.ACCEPTED, Status.SENT, Status.DELIVERED, Status.READ, Status.PLAYED}
_DELIVERED = {Status.DELIVERED, Status.READ, Status.PLAYED}
_READ = {Status.READ, Status.PLAYED}
_IN_PIPELINE = {Status.QUEUED, Status.SENDING}
# A send takes well under a second (a slow Meta: seconds): a message "sending" this long was most
# likely claimed by a worker that stopped.
STALLED_AFTER = timedelta(minutes=2)


@dataclass
class Progress:
    total: int = 0
    pending: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    failed: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    suppressed_by_reason: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    done_percent: int = 0
    stalled: int = 0  # "sending" for over STALLED_AFTER: their worker stopped during the batch
    stalled_resent_from: datetime | None = None  # when messaging's sweep sends the first of them again
    stalled_due: bool = False  # that time has passed (the sweep runs with Celery beat, every minute)


def progress(campaign: Campaign) -> Progress:
    """The campaign's counts now (see the module's docstring)."""
    result = Progress()
    rows = CampaignRecipient.objects.filter(campaign=campaign)
    by_state = rows.annotate(
        why=Case(When(state=Recipient.SUPPRESSED, then="reason"), default=Value(""), output_field=CharField())
    ).values("state", "why").annotate(n=Count("pk")).order_by()
    for row in by_state:
        result.total += row["n"]
        if row["state"] == Recipient.PENDING:
            result.pending += row["n"]
        elif row["state"] == Recipient.SKIPPED:
            result.skipped += row["n"]
        elif row["state"] == Recipient.SUPPRESSED:
            result.suppressed_by_reason[row["why"] or "Suppressed"] = (
                result.suppressed_by_reason.get(row["why"] or "Suppressed", 0) + row["n"])
    # An inbound message carries Meta's time, in whole seconds: one in the second our message was
    # queued counts as a reply.
    answered = Message.objects.filter(conversation_id=OuterRef("message__conversation_id"),
                                      direction=Message.Direction.INBOUND, created_at__gte=OuterRef("queued_second"))
    stalled = When(message__status=Status.SENDING, message__updated_at__lt=timezone.now() - STALLED_AFTER,
                   then=Value(True))
    by_outcome = (rows.filter(message__isnull=False)
                  .annotate(queued_second=Trunc("message__created_at", "second"), replied=Exists(answered),
                            stalled=Case(stalled, default=Value(False), output_field=BooleanField()))
                  .values("message__status", "message__error_code", "message__error_title", "replied", "stalled")
                  .annotate(n=Count("pk"), since=Min("message__updated_at"),
                            details_min=Min("message__error_details"), details_max=Max("message__error_details"))
                  .order_by())
    failures: dict[str, int] = {}
    # Meta's details, where all of a reason's failures have the same: a title alone can mislead (131048).
    details: dict[str, set[str]] = {}
    for row in by_outcome:
        status, n = row["message__status"], row["n"]
        if status in _IN_PIPELINE:
            result.queued += n
        if row["stalled"]:
            result.stalled += n
            resent = row["since"] + STUCK_SENDING_AFTER
            result.stalled_resent_from = min(result.stalled_resent_from or resent, resent)
        result.sent += n if status in _SENT else 0
        result.delivered += n if status in _DELIVERED else 0
        result.read += n if status in _READ else 0
        result.replied += n if row["replied"] else 0
        if status == Status.FAILED:
            result.failed += n
            reason = _failure(row["message__error_code"], row["message__error_title"])
            failures[reason] = failures.get(reason, 0) + n
            details.setdefault(reason, set()).update({row["details_min"] or "", row["details_max"] or ""})
    result.failed_by_reason = {(f"{reason}: {next(iter(details[reason]))}"
                                if len(details[reason]) == 1 and "" not in details[reason] else reason): n
                               for reason, n in failures.items()}
    result.stalled_due = bool(result.stalled_resent_from and result.stalled_resent_from <= timezone.now())
    settled = result.total - result.pending - result.queued
    result.done_percent = int(100 * settled / result.total) if result.total else (
        100 if campaign.state == Campaign.State.COMPLETED else 0)
    return result


def _failure(code: int | None, title: str) -> str:
    if code is None:
        return title or "Failed"
    return f"{title} ({code})" if title else f"Error {code}"
