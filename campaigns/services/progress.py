"""A campaign's progress, counted from its recipient rows joined to their messages (no hot counter row).

PLACEHOLDER from the campaign-ui branch: the contract's names (CONTRACT18.md point 4). The funnel
is cumulative (a read message was also delivered and sent; sent includes accepted by WhatsApp);
queued is what is still in our pipeline. The campaign-engine branch's version
replaces this file at merge.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from messaging.error_explanations import explain_failure
from messaging.models import Message

from ..models import Campaign, CampaignRecipient

R = CampaignRecipient.State
S = Message.Status


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int
    queued: int
    sent: int
    delivered: int
    read: int
    replied: int
    failed: int
    failed_by_reason: dict[str, int]
    suppressed_by_reason: dict[str, int]
    skipped: int
    done_percent: int


def progress(campaign: Campaign) -> Progress:
    """Where every recipient of ``campaign`` is, counted in a few grouped queries."""
    rows = campaign.recipients.all()
    by_state = dict(rows.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    suppressed = dict(rows.filter(state=R.SUPPRESSED).values_list("reason").annotate(n=Count("id"))
                      .values_list("reason", "n"))
    sent_rows = rows.exclude(message=None)
    by_status = dict(sent_rows.values_list("message__status").annotate(n=Count("id"))
                     .values_list("message__status", "n"))
    failed_codes = (sent_rows.filter(message__status=S.FAILED).values_list("message__error_code", "message__error_title")
                    .annotate(n=Count("id")))
    failed_by_reason: dict[str, int] = {}
    for code, title, n in failed_codes.values_list("message__error_code", "message__error_title", "n"):
        reason = _reason(code, title)
        failed_by_reason[reason] = failed_by_reason.get(reason, 0) + n
    answer = Message.objects.filter(conversation_id=OuterRef("message__conversation_id"),
                                    direction=Message.Direction.INBOUND, created_at__gt=OuterRef("message__created_at"))
    replied = sent_rows.filter(Exists(answer)).count()
    read = by_status.get(S.READ, 0) + by_status.get(S.PLAYED, 0)
    delivered = read + by_status.get(S.DELIVERED, 0)
    sent = delivered + by_status.get(S.SENT, 0) + by_status.get(S.ACCEPTED, 0)  # accepted by WhatsApp: it left us
    failed = by_status.get(S.FAILED, 0)
    queued = by_status.get(S.QUEUED, 0) + by_status.get(S.SENDING, 0)
    total = sum(by_state.values())
    pending = by_state.get(R.PENDING, 0)
    finished = total - pending - queued
    return Progress(
        total=total, pending=pending, queued=queued, sent=sent, delivered=delivered, read=read, replied=replied,
        failed=failed, failed_by_reason=failed_by_reason, suppressed_by_reason=suppressed,
        skipped=by_state.get(R.SKIPPED, 0), done_percent=(finished * 100 // total) if total else 0,
    )


def _reason(code, title: str) -> str:
    text = explain_failure(code=code, title=title or "").plain
    return f"{text} ({code})" if code is not None else text
