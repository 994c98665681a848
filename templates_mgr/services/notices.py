"""Notices for the template manager who submitted a template: Meta approved, rejected or paused it.

They are rows, not ``django.contrib.messages``: the news usually arrives by webhook, while the
submitter is elsewhere, and must wait for their next page (``context_processors.template_notices``).
"""

from django.utils import timezone

from ..models import MessageTemplate, TemplateNotice

NOTIFY = {
    MessageTemplate.Status.APPROVED: "was approved: it can be sent now",
    MessageTemplate.Status.REJECTED: "was rejected",
    MessageTemplate.Status.PAUSED: "was paused by Meta for low quality",
    MessageTemplate.Status.DISABLED: "was disabled by Meta and can no longer be sent",
}


def notify_submitter(*, template: MessageTemplate, report) -> TemplateNotice | None:
    """Tell ``template.created_by`` about a status Meta gave it, if it is news they act on."""
    news = NOTIFY.get(report.status)
    if news is None or template.created_by_id is None:
        return None
    text = f"Your template {template.name} ({template.language}) {news}."
    if report.status == MessageTemplate.Status.REJECTED:
        reason = report.rejection_explanation or report.reason.replace("_", " ").lower()
        text += f" Reason: {reason}." if reason else ""
        if report.rejection_recommendation:
            text += f" Meta suggests: {report.rejection_recommendation}"
    elif report.description:
        text += f" {report.description}"
    return TemplateNotice.objects.create(user_id=template.created_by_id, template=template, status=report.status, text=text)


def unseen_notices(user):
    """The notices ``user`` has not dismissed, newest first. Every page asks (the context
    processor): the stack shows each notice's text and links by ``template_id``, so the template
    row is not joined (it cost the query two thirds of its time)."""
    return TemplateNotice.objects.filter(user=user, seen_at__isnull=True)


def dismiss_notice(*, user, notice_id: int) -> int:
    """Mark one of ``user``'s notices seen; 0 when it is not theirs (or already seen)."""
    return TemplateNotice.objects.filter(user=user, pk=notice_id, seen_at__isnull=True).update(seen_at=timezone.now())


def dismiss_all_notices(*, user) -> int:
    """Mark every notice of ``user`` seen (the stack's "Dismiss all"); how many were unseen."""
    return TemplateNotice.objects.filter(user=user, seen_at__isnull=True).update(seen_at=timezone.now())
