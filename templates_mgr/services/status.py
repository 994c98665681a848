"""The verbs of templates: applying what Meta reports about them (status, quality, category, components).

The status history is append-only. A status change is recorded once per (template, status, time);
one older than the template's current status is recorded but does not overwrite it, because Meta's
webhooks arrive out of order and more than once. Sync records its findings through
:func:`apply_template_status` too, with ``source=sync``; our own submits, edits and deletes with
``source=user`` and who. A decision Meta makes (approved, rejected, paused …) becomes a notice
for the template manager who submitted the template.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import BusinessAccount
from cloudapi.webhook_payloads import InvalidPayload

from ..models import MessageTemplate, TemplateStatusChange
from .notices import notify_submitter

Status = MessageTemplate.Status
# Statuses that clear a rejection: the template went back to review or through it.
_CLEARS_REJECTION = {Status.PENDING, Status.APPROVED, Status.REINSTATED}


@dataclass(frozen=True)
class TemplateRef:
    """How Meta names a template in a webhook. ``language`` is already in Meta's ``en_US`` form."""

    template_id: str
    name: str = ""
    language: str = ""
    category: str = ""


@dataclass(frozen=True)
class StatusReport:
    status: str
    occurred_at: datetime | None  # ``None``: Meta gave no time (we use now, and dedupe on content)
    reason: str = ""
    category: str = ""
    title: str = ""  # other_info.title (FIRST_PAUSE …)
    description: str = ""  # other_info.description
    rejection_explanation: str = ""
    rejection_recommendation: str = ""
    disable_date: datetime | None = None
    details: dict = field(default_factory=dict)


def meta_now() -> datetime:
    """Now, to the second, as the time of a change we ask Meta for: taken *before* asking. Meta's
    webhook times have no fractions, and Meta may decide (approve an auth template, say) and stamp
    its webhook while its answer to us is still on the way, a second or more before the answer
    arrives: our change must not look newer than Meta's decision that followed it."""
    return timezone.now().replace(microsecond=0)


def normalize_language(code: str) -> str:
    """Meta's language code form: ``en-US``/``en_us`` → ``en_US``; ``en`` stays ``en``."""
    parts = code.strip().replace("-", "_").split("_")
    return "_".join([parts[0].lower(), *(part.upper() for part in parts[1:])])


@transaction.atomic
def apply_template_status(
    *,
    account: BusinessAccount,
    ref: TemplateRef,
    report: StatusReport,
    source: str = TemplateStatusChange.Source.WEBHOOK,
    user=None,
    webhook_event_id: int | None = None,
) -> TemplateStatusChange | None:
    """Record a status change and make it current unless a newer one already is.

    A template Meta knows but we do not (created in WhatsApp Manager) is created from ``ref``.
    Returns the history row, or ``None`` when this change was already recorded.
    """
    template = _template_for_update(account, ref)
    occurred_at = report.occurred_at or timezone.now()
    if report.occurred_at is None and _repeats_latest(template, report):
        return None
    newer = _is_current(template, report.status, occurred_at)
    try:
        with transaction.atomic():
            change = TemplateStatusChange.objects.create(
                template=template,
                old_status=template.status if newer else _status_before(template, occurred_at),
                new_status=report.status,
                reason=report.reason[:64],
                details=report.details,
                source=source,
                user=user,
                occurred_at=occurred_at,
                applied=newer,
                webhook_event_id=webhook_event_id,
            )
    except IntegrityError:
        return None  # the same change again: a redelivery, another app, another batch
    if newer:
        _make_current(template, report, occurred_at)
        if source != TemplateStatusChange.Source.USER:
            notify_submitter(template=template, report=report)
    return change


@transaction.atomic
def apply_template_quality(
    *, account: BusinessAccount, ref: TemplateRef, quality_score: str, occurred_at: datetime | None
) -> MessageTemplate:
    """The template's new quality score, unless a newer one was already applied."""
    template = _template_for_update(account, ref)
    occurred_at = occurred_at or timezone.now()
    if template.quality_updated_at is None or occurred_at >= template.quality_updated_at:
        template.quality_score = quality_score[:16]
        template.quality_updated_at = occurred_at
        template.save(update_fields=["quality_score", "quality_updated_at", "updated_at"])
    return template


@transaction.atomic
def apply_template_category(
    *,
    account: BusinessAccount,
    ref: TemplateRef,
    new_category: str,
    occurred_at: datetime | None,
    previous_category: str = "",
    correct_category: str = "",
    change_at: datetime | None = None,
) -> MessageTemplate:
    """A category change Meta announced (``correct_category`` at ``change_at``) or made (from
    ``previous_category`` to ``new_category``). ``new_category`` is the current one either way."""
    template = _template_for_update(account, ref)
    occurred_at = occurred_at or timezone.now()
    if template.category_updated_at is not None and occurred_at < template.category_updated_at:
        return template  # older news than what we show
    if new_category:
        template.category = new_category[:32]
    if correct_category:
        template.correct_category = correct_category[:32]
        template.category_change_at = change_at
    else:
        template.previous_category = previous_category[:32]
        template.correct_category = ""
        template.category_change_at = None
    template.category_updated_at = occurred_at
    template.save(
        update_fields=[
            "category",
            "previous_category",
            "correct_category",
            "category_change_at",
            "category_updated_at",
            "updated_at",
        ]
    )
    return template


@transaction.atomic
def apply_template_components(
    *, account: BusinessAccount, ref: TemplateRef, components: list | None
) -> MessageTemplate:
    """Replace the components when Meta sent them whole; otherwise mark the template for the next sync
    (the webhook's summary lacks quick replies, media headers and examples)."""
    template = _template_for_update(account, ref)
    if components is not None:
        template.components = components
        template.needs_sync = False
    else:
        template.needs_sync = True
    template.save(update_fields=["components", "needs_sync", "updated_at"])
    return template


# Helpers --------------------------------------------------------------------------------------


def _template_for_update(account: BusinessAccount, ref: TemplateRef) -> MessageTemplate:
    """The template ``ref`` names, locked; found by Meta's id, else by name and language (a draft
    whose id we never got), else created (a template made in WhatsApp Manager)."""
    templates = MessageTemplate.objects.select_for_update()
    template = templates.filter(account=account, template_id=ref.template_id).first()
    if template is None and ref.name and ref.language:
        template = templates.filter(account=account, name=ref.name, language=ref.language).first()
        if template is not None:
            # Same name and language under a new id: Meta recreated it (or we never stored the id).
            template.template_id = ref.template_id
            template.save(update_fields=["template_id", "updated_at"])
    if template is None:
        if not ref.name or not ref.language:
            raise InvalidPayload("an unknown template needs message_template_name and message_template_language")
        template = MessageTemplate.objects.create(
            account=account,
            template_id=ref.template_id,
            name=ref.name[:512],
            language=ref.language[:16],
            category=ref.category[:32],
            status="",
            needs_sync=True,
        )
    return template


def _is_current(template: MessageTemplate, status: str, occurred_at: datetime) -> bool:
    """Whether a change at ``occurred_at`` is at least as new as the template's current status.

    Within the same second, a PENDING never replaces a later stage (auth templates are often
    approved the second they are submitted)."""
    current_at = template.status_changed_at
    if current_at is None or occurred_at > current_at:
        return True
    if occurred_at < current_at:
        return False
    return not (status == Status.PENDING and template.status not in ("", Status.DRAFT, Status.PENDING))


def _status_before(template: MessageTemplate, occurred_at: datetime) -> str:
    earlier = template.status_changes.filter(occurred_at__lt=occurred_at).order_by("-occurred_at", "-id").first()
    return earlier.new_status if earlier else ""


def _repeats_latest(template: MessageTemplate, report: StatusReport) -> bool:
    """Without Meta's time, the same status and reason as the current one is a redelivery."""
    latest = template.status_changes.order_by("-occurred_at", "-id").first()
    return (
        latest is not None
        and template.status == report.status
        and latest.new_status == report.status
        and latest.reason == report.reason[:64]
    )


def _make_current(template: MessageTemplate, report: StatusReport, occurred_at: datetime) -> None:
    template.status = report.status
    template.status_changed_at = occurred_at
    template.status_title = report.title[:64]
    template.status_description = report.description
    template.disable_date = report.disable_date
    if report.category:
        template.category = report.category[:32]
    if report.status == Status.REJECTED:
        template.rejected_reason = report.reason[:64]
        template.rejection_explanation = report.rejection_explanation
        template.rejection_recommendation = report.rejection_recommendation
    elif report.status in _CLEARS_REJECTION:
        template.rejected_reason = template.rejection_explanation = template.rejection_recommendation = ""
    if report.status == Status.DELETED:
        template.deleted_at = occurred_at
    template.save()
