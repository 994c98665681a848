"""Drafts and submission: a template goes to Meta only once our rules pass, and comes back as a
row with Meta's id and first status, recorded in its history as the submitter's own step."""

import copy

from django.db import transaction

from accounts.graph import client_for
from accounts.models import BusinessAccount
from accounts.services.audit import record_audit
from cloudapi.errors import CloudApiError

from ..languages import with_article
from ..models import MessageTemplate, TemplateStatusChange
from ..placeholders import component
from ..rules import Definition, Errors, validate_template
from .errors import MetaRefused, TemplateInvalid
from .status import StatusReport, TemplateRef, apply_template_status, meta_now

Status = MessageTemplate.Status
# A row with one of these statuses may be reused for a new template of the same name and language.
_REUSABLE = {Status.DRAFT, Status.DELETED}
_IDENTITY_FIELDS = ("name", "language", "category", "parameter_format")


def definition_of(template: MessageTemplate) -> Definition:
    """The stored template as the rules and Meta take it."""
    return Definition(
        name=template.name,
        language=template.language,
        category=template.category,
        parameter_format=template.parameter_format,
        components=copy.deepcopy(template.components or []),
    )


def save_draft(
    *, account: BusinessAccount, definition: Definition, user, template: MessageTemplate | None = None
) -> MessageTemplate:
    """Keep an unfinished template (status DRAFT, nothing sent to Meta but a sample header file).

    Only the name, language and category must be right; the rest is checked at submit.
    """
    errors = {key: messages for key, messages in validate_template(definition).items() if key in _IDENTITY_FIELDS}
    if errors:
        raise TemplateInvalid(errors)
    row = _row_for(account, definition, template)
    components = with_header_handle(account, definition)
    _fill(row, definition, components)
    row.status = Status.DRAFT
    row.created_by = row.created_by or user
    row.save()
    return row


def submit_template(
    *, account: BusinessAccount, definition: Definition, user, template: MessageTemplate | None = None
) -> MessageTemplate:
    """Check every rule, upload a sample header file for its handle, send the template to Meta for
    review and record it as PENDING (or what Meta answered) with who submitted it.

    Raises :class:`TemplateInvalid` (our rules, keyed by field) or :class:`MetaRefused`.
    """
    raise_if_invalid(definition)
    row = _row_for(account, definition, template)
    components = with_header_handle(account, definition)
    now = meta_now()
    try:
        created = client_for(account).create_template(
            waba_id=account.waba_id,
            name=definition.name,
            language=definition.language,
            category=definition.category,
            components=components,
            parameter_format=definition.parameter_format,
        )
    except CloudApiError as error:
        raise MetaRefused(error, action="accept the template") from None
    with transaction.atomic():
        _fill(row, definition, components)
        row.template_id = created.id
        row.category = (created.category or definition.category).upper()
        row.submitted_at = now
        row.created_by = user if getattr(user, "is_authenticated", False) else row.created_by
        row.deleted_at = None
        row.needs_sync = False
        row.save()
        apply_template_status(
            account=account,
            ref=TemplateRef(template_id=created.id, name=row.name, language=row.language),
            report=StatusReport(status=(created.status or Status.PENDING).upper(), occurred_at=now, details={"action": "submitted"}),
            source=TemplateStatusChange.Source.USER,
            user=user if getattr(user, "is_authenticated", False) else None,
        )
        audit_template(row, actor=user, action="template.submit")
    row.refresh_from_db()
    return row


def submit_draft(*, template: MessageTemplate, user) -> MessageTemplate:
    """Send a saved draft to Meta (the detail page's button and the admin action)."""
    if template.status != Status.DRAFT:
        raise TemplateInvalid.on("__all__", f"{template} is not a draft: it is {template.get_status_display().lower()}.")
    return submit_template(account=template.account, definition=definition_of(template), user=user, template=template)


def audit_template(template: MessageTemplate, *, actor, action: str, **details) -> None:
    """One audit entry for a template action: its name, language, category and Meta's id (never
    its text)."""
    record_audit(
        actor=actor,
        action=action,
        obj=template,
        account=template.account_id,
        details={"name": template.name, "language": template.language, "category": template.category,
                 "template_id": template.template_id or "", **details},
    )


def raise_if_invalid(definition: Definition, extra: Errors | None = None) -> None:
    errors = validate_template(definition)
    for key, messages in (extra or {}).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise TemplateInvalid(errors)


def with_header_handle(account: BusinessAccount, definition: Definition) -> list[dict]:
    """The components, with the sample header file uploaded (Resumable Upload) and its handle as
    the header's example. Without a new file the components are returned as they are."""
    components = copy.deepcopy(definition.components)
    file = definition.header_file
    if file is None:
        return components
    if not account.app_id:
        raise TemplateInvalid.on(
            "header_file",
            "The account has no Meta app id, which uploading a sample header file needs. "
            "An administrator can add it to the business account.",
        )
    try:
        handle = client_for(account).upload_for_handle(
            app_id=account.app_id, file_name=file.name, data=file.data, file_type=file.content_type
        )
    except CloudApiError as error:
        refused = MetaRefused(error, action="take the sample header file")
        raise TemplateInvalid.on("header_file", refused.message) from None
    header = component(components, "HEADER")
    if header is not None:
        header["example"] = {"header_handle": [handle]}
    return components


def _row_for(account: BusinessAccount, definition: Definition, template: MessageTemplate | None) -> MessageTemplate:
    """The row to write: ``template`` itself, a draft or deleted row of the same name and language,
    or a new one. Another live template of that name and language is an error on the name."""
    clash = MessageTemplate.objects.filter(account=account, name=definition.name, language=definition.language)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    existing = clash.first()
    if existing is not None and (template is not None or existing.status not in _REUSABLE):
        raise TemplateInvalid.on(
            "name",
            f"There is already {with_article(existing.language)} template named {existing.name} "
            f"({existing.get_status_display().lower()}). Edit that one, or choose another name or language.",
        )
    return template or existing or MessageTemplate(account=account, name=definition.name, language=definition.language)


def _fill(row: MessageTemplate, definition: Definition, components: list[dict]) -> None:
    row.name = definition.name
    row.language = definition.language
    row.category = definition.category
    row.parameter_format = definition.parameter_format
    row.components = components
