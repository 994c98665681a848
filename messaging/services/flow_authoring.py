"""Authoring WhatsApp Flows from the console: create (or clone), rename and recategorise, upload the
Flow JSON, publish, deprecate and delete — each a call to Meta, then our row, its history and an audit entry.

Nothing is written here before Meta accepted the call, so a refusal leaves everything as it was.
"""

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import BusinessAccount
from accounts.services.audit import record_audit
from cloudapi.errors import CloudApiError

from ..models import Flow, FlowJsonVersion, FlowStatusChange
from .flow_errors import FlowActionFailed, SyntaxProblem, check_json_syntax, refused, validation_error_dict

Status = Flow.Status


class FlowJsonSyntaxError(Exception):
    """The text is not JSON: nothing was sent to Meta."""

    def __init__(self, problem: SyntaxProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def create_flow(
    *, account: BusinessAccount, user, name: str, categories: list[str], endpoint_uri: str = "",
    clone_from: Flow | None = None,
) -> Flow:
    """A new DRAFT flow at Meta and here; ``clone_from`` copies that flow's JSON (Meta does the copying)."""
    if clone_from is not None and clone_from.account_id != account.pk:
        raise FlowActionFailed("A flow can only be cloned within its own business account.")
    try:
        flow_id = client_for(account).create_flow(
            waba_id=account.waba_id, name=name, categories=categories, endpoint_uri=endpoint_uri or None,
            clone_flow_id=clone_from.flow_id if clone_from else None,
        )
    except CloudApiError as error:
        raise refused(error, action="create the flow") from None
    now = timezone.now()
    with transaction.atomic():
        # The creation webhook may have beaten us here and made a nameless row: complete it.
        flow, _ = Flow.objects.update_or_create(
            flow_id=flow_id,
            defaults={"account": account, "name": name, "categories": categories, "endpoint_uri": endpoint_uri,
                      "status": Status.DRAFT, "status_changed_at": now},
        )
        message = f"Created by {user.get_username()}"
        if clone_from is not None:
            message += f" as a copy of {clone_from.name}"
            _copy_json(clone_from, flow, user)
        _history(flow, user, "", Status.DRAFT, message, now)
        record_audit(actor=user, action="flow.create", obj=flow,
                     details={"flow_id": flow_id, "categories": categories,
                              "cloned_from": clone_from.flow_id if clone_from else None})
    return flow


def update_flow(*, flow: Flow, user, name: str, categories: list[str], endpoint_uri: str) -> list[str]:
    """Send Meta the metadata that changed; returns the names of the changed fields (empty: nothing to do)."""
    changes: dict[str, Any] = {}
    if name != flow.name:
        changes["name"] = name
    if list(categories) != list(flow.categories or []):
        changes["categories"] = list(categories)
    if endpoint_uri != flow.endpoint_uri:
        changes["endpoint_uri"] = endpoint_uri
    if not changes:
        return []
    try:
        client_for(flow.account).update_flow(flow_id=flow.flow_id, **changes)
    except CloudApiError as error:
        raise refused(error, action="change the flow") from None
    with transaction.atomic():
        for field, value in changes.items():
            setattr(flow, field, value)
        flow.save(update_fields=[*changes, "updated_at"])
        record_audit(actor=user, action="flow.update", obj=flow, details={"changed": sorted(changes)})
    return sorted(changes)


def upload_flow_json(*, flow: Flow, user, text: str) -> FlowJsonVersion:
    """Upload exactly ``text`` as the flow's JSON and keep it as a version with Meta's validation errors.

    A syntax error found here raises :class:`FlowJsonSyntaxError` and sends nothing. Meta answers
    ``success: true`` even when it lists validation errors: the version is kept either way, and the
    flow can be published only once an upload came back without errors.
    """
    problem = check_json_syntax(text)
    if problem is not None:
        raise FlowJsonSyntaxError(problem)
    if not flow.is_draft:
        raise FlowActionFailed(f"The flow is {flow.status_label.lower()}: only a draft's JSON can be changed. "
                               "Clone it to make a new draft.")
    try:
        errors = client_for(flow.account).upload_flow_json(flow_id=flow.flow_id, flow_json=text)
    except CloudApiError as error:
        raise refused(error, action="take the Flow JSON") from None
    found = [validation_error_dict(error) for error in errors]
    document = json.loads(text)
    with transaction.atomic():
        version = FlowJsonVersion.objects.create(flow=flow, text=text, uploaded_by=user, validation_errors=found)
        flow.validation_errors = found
        if isinstance(document, dict):
            flow.json_version = _short(document.get("version"))
            flow.data_api_version = _short(document.get("data_api_version"))
        flow.save(update_fields=["validation_errors", "json_version", "data_api_version", "updated_at"])
        record_audit(actor=user, action="flow.upload", obj=flow,
                     details={"version": version.pk, "validation_errors": len(found), "characters": len(text)})
    return version


def publish_flow(*, flow: Flow, user) -> Flow:
    """DRAFT → PUBLISHED: the flow can be sent. Meta refuses while its JSON has validation errors."""
    if not flow.is_draft:
        raise FlowActionFailed(f"Only a draft can be published; this flow is {flow.status_label.lower()}.")
    try:
        client_for(flow.account).publish_flow(flow_id=flow.flow_id)
    except CloudApiError as error:
        raise refused(error, action="publish the flow") from None
    return _moved(flow, user, Status.PUBLISHED, action="flow.publish", verb="Published")


def deprecate_flow(*, flow: Flow, user) -> Flow:
    """PUBLISHED → DEPRECATED, for good: it can no longer be sent or opened."""
    if not flow.can_deprecate:
        raise FlowActionFailed(f"Only a published flow can be deprecated; this one is {flow.status_label.lower()}.")
    try:
        client_for(flow.account).deprecate_flow(flow_id=flow.flow_id)
    except CloudApiError as error:
        raise refused(error, action="deprecate the flow") from None
    return _moved(flow, user, Status.DEPRECATED, action="flow.deprecate", verb="Deprecated")


def delete_flow(*, flow: Flow, user) -> None:
    """Delete a draft at Meta and here (its history and JSON versions go with it; the audit log keeps the act).

    A flow Meta no longer knows (deleted in WhatsApp Manager) is deleted here too.
    """
    if not flow.is_draft:
        raise FlowActionFailed("Meta deletes only drafts. Deprecate a published flow instead.")
    try:
        client_for(flow.account).delete_flow(flow_id=flow.flow_id)
        gone_at_meta = False
    except CloudApiError as error:
        if not error.object_missing:
            raise refused(error, action="delete the flow") from None
        gone_at_meta = True
    with transaction.atomic():
        record_audit(actor=user, action="flow.delete", obj=flow,
                     details={"flow_id": flow.flow_id, "name": flow.name, "already_gone_at_meta": gone_at_meta})
        flow.delete()


def _moved(flow: Flow, user, status: str, *, action: str, verb: str) -> Flow:
    now = timezone.now()
    with transaction.atomic():
        old = flow.status
        flow.status, flow.status_changed_at = status, now
        flow.save(update_fields=["status", "status_changed_at", "updated_at"])
        _history(flow, user, old, status, f"{verb} by {user.get_username()}", now)
        record_audit(actor=user, action=action, obj=flow, details={"flow_id": flow.flow_id, "from": old, "to": status})
    return flow


def _history(flow: Flow, user, old: str, new: str, message: str, at) -> FlowStatusChange:
    return FlowStatusChange.objects.create(
        flow=flow, event=FlowStatusChange.STATUS_CHANGE, old_status=old, new_status=new, message=message[:255],
        source=FlowStatusChange.Source.CONSOLE, user=user, occurred_at=at,
    )


def _copy_json(source: Flow, clone: Flow, user) -> None:
    latest = source.json_versions.first()
    clone.json_version, clone.data_api_version = source.json_version, source.data_api_version
    clone.validation_errors = source.validation_errors
    clone.save(update_fields=["json_version", "data_api_version", "validation_errors", "updated_at"])
    if latest is not None:
        FlowJsonVersion.objects.create(flow=clone, text=latest.text, uploaded_by=user,
                                       validation_errors=latest.validation_errors)


def _short(value: Any) -> str:
    return str(value)[:16] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
