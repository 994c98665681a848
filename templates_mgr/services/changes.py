"""Editing and deleting templates at Meta, with Meta's rules checked first (docs/cloudapi.md §3):
only approved, rejected or paused templates can be edited; an approved one at most once in 24
hours and 10 times in 30 days (counted from our own edits); its category can't change; a
disabled template can't be deleted."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from accounts.graph import client_for
from cloudapi.errors import CloudApiError

from ..models import MessageTemplate, TemplateEdit, TemplateStatusChange
from ..rules import Definition
from .errors import MetaRefused, TemplateInvalid
from .status import StatusReport, TemplateRef, apply_template_status, meta_now
from .submit import audit_template, raise_if_invalid, save_draft, with_header_handle

Status = MessageTemplate.Status
EDITABLE = (Status.APPROVED, Status.REJECTED, Status.PAUSED)
EDITS_PER_DAY = 1
EDITS_PER_MONTH = 10
DAY = timedelta(hours=24)
MONTH = timedelta(days=30)


def edit_block_reason(template: MessageTemplate, *, now: datetime | None = None) -> str:
    """Why ``template`` can't be edited now, in words for the disabled button; "" when it can."""
    if template.status == Status.DRAFT:
        return ""
    if template.status not in EDITABLE:
        return (
            "Only approved, rejected or paused templates can be edited; "
            f"this one is {template.get_status_display().lower()}."
        )
    if template.status != Status.APPROVED:
        return ""
    now = now or timezone.now()
    edits = sorted(e.edited_at for e in template.edits.all() if e.from_status == Status.APPROVED and e.edited_at > now - MONTH)
    recent = [at for at in edits if at > now - DAY]
    if len(recent) >= EDITS_PER_DAY:
        return (
            f"Meta allows one edit of an approved template per 24 hours: it was last edited {_when(recent[-1])}. "
            f"It can be edited again after {_when(recent[-EDITS_PER_DAY] + DAY)}."
        )
    if len(edits) >= EDITS_PER_MONTH:
        return (
            f"Meta allows {EDITS_PER_MONTH} edits of an approved template per 30 days, and this one has had "
            f"{len(edits)}. It can be edited again after {_when(edits[-EDITS_PER_MONTH] + MONTH)}."
        )
    return ""


def edit_template(*, template: MessageTemplate, definition: Definition, user) -> MessageTemplate:
    """Send new components (and category) to Meta; the template goes back to review (PENDING).

    A draft is simply saved again. Raises :class:`TemplateInvalid` or :class:`MetaRefused`.
    """
    if template.status == Status.DRAFT:
        return save_draft(account=template.account, definition=definition, user=user, template=template)
    reason = edit_block_reason(template)
    if reason:
        raise TemplateInvalid.on("__all__", reason)
    extra = {}
    if (definition.name, definition.language) != (template.name, template.language):
        extra["name"] = ["The name and language of a submitted template can't change; create a new template instead."]
    if template.status == Status.APPROVED and definition.category != template.category:
        extra["category"] = [
            f"The category of an approved template can't be changed (it is {template.get_category_display()})."
        ]
    raise_if_invalid(definition, extra)
    components = with_header_handle(template.account, definition)
    category_changed = definition.category != template.category
    now = meta_now()
    try:
        client_for(template.account).edit_template(
            template_id=template.template_id,
            components=components,
            category=definition.category if category_changed else None,
        )
    except CloudApiError as error:
        raise MetaRefused(error, action="accept the edit") from None
    with transaction.atomic():
        TemplateEdit.objects.create(
            template=template,
            user=_user(user),
            from_status=template.status,
            category_before=template.category,
            components_before=template.components,
            edited_at=now,
        )
        MessageTemplate.objects.filter(pk=template.pk).update(
            components=components, category=definition.category, updated_at=now
        )
        _record(template, Status.PENDING, user=user, at=now, action="edited")
        audit_template(template, actor=user, action="template.edit", category=definition.category,
                       category_changed=category_changed)
    template.refresh_from_db()
    return template


def deletion_targets(template: MessageTemplate, *, every_language: bool) -> list[MessageTemplate]:
    """What a delete takes away: this language, or every language of the name (not deleted yet)."""
    if not every_language:
        return [template]
    return list(
        MessageTemplate.objects.filter(account_id=template.account_id, name=template.name)
        .exclude(status=Status.DELETED)
        .order_by("language")
    )


def delete_template(*, template: MessageTemplate, every_language: bool, user) -> list[MessageTemplate]:
    """Delete at Meta one language (``hsm_id`` + name) or every language of the name, and mark the
    rows deleted (a local draft is simply removed). Returns what went."""
    targets = deletion_targets(template, every_language=every_language)
    disabled = [t for t in targets if t.status == Status.DISABLED]
    if disabled:
        names = ", ".join(f"{t.name} ({t.language})" for t in disabled)
        raise TemplateInvalid.on("__all__", f"Meta does not allow deleting disabled templates: {names} is disabled.")
    if template.status == Status.DELETED:
        raise TemplateInvalid.on("__all__", f"{template} is already deleted.")
    at_meta = [t for t in targets if t.template_id]
    now = meta_now()
    if at_meta:
        try:
            client_for(template.account).delete_template(
                waba_id=template.account.waba_id,
                name=template.name,
                hsm_id=None if every_language else template.template_id,
            )
        except CloudApiError as error:
            raise MetaRefused(error, action="delete the template") from None
    with transaction.atomic():
        for target in targets:
            audit_template(target, actor=user, action="template.delete", every_language=every_language,
                           draft=not target.template_id)
            if target.template_id:
                _record(target, Status.DELETED, user=user, at=now, action="deleted")
            else:
                target.delete()
    return targets


def _record(template: MessageTemplate, status: str, *, user, at: datetime, action: str) -> None:
    apply_template_status(
        account=template.account,
        ref=TemplateRef(template_id=template.template_id, name=template.name, language=template.language),
        report=StatusReport(status=status, occurred_at=at, details={"action": action}),
        source=TemplateStatusChange.Source.USER,
        user=_user(user),
    )


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def _when(at: datetime) -> str:
    return date_format(timezone.localtime(at), "j M Y, H:i")
