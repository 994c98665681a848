"""Reading flows from Meta: the account's list (all pages), a flow's preview link and its health for a
sending number. A status found different by a sync joins the flow's history with ``source=sync``."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import BusinessAccount, PhoneNumber
from cloudapi.client import FlowInfo
from cloudapi.client.flows import FLOW_SYNC_FIELDS
from cloudapi.errors import CloudApiError

from ..models import Flow, FlowStatusChange
from .flow_errors import refused, validation_error_dict

_META_TIME = "%Y-%m-%dT%H:%M:%S%z"


@dataclass
class FlowSyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return f"{self.created} new, {self.updated} changed, {self.removed} no longer at Meta"


def sync_flows(*, account: BusinessAccount) -> FlowSyncResult:
    """Bring the account's flows in line with Meta's list; raises ``FlowActionFailed``.

    Flows Meta no longer lists were deleted there (in WhatsApp Manager): they are removed here too;
    the answers customers gave keep their rows.
    """
    try:
        infos = client_for(account).list_flows(waba_id=account.waba_id, fields=FLOW_SYNC_FIELDS)
    except CloudApiError as error:
        raise refused(error, action="list the flows") from None
    now = timezone.now()
    result = FlowSyncResult()
    with transaction.atomic():
        for info in infos:
            _reconcile(account, info, now, result)
        gone = Flow.objects.filter(account=account).exclude(flow_id__in=[info.id for info in infos])
        result.removed = gone.count()
        gone.delete()
    return result


def _reconcile(account: BusinessAccount, info: FlowInfo, now: datetime, result: FlowSyncResult) -> None:
    flow = Flow.objects.filter(flow_id=info.id).first()
    if flow is not None and flow.account_id != account.pk:
        return  # another account's flow id: never moved across tenants
    fields = {
        "name": (info.name or "")[:200],
        "categories": list(info.categories),
        "validation_errors": [validation_error_dict(error) for error in info.validation_errors],
        "json_version": (info.json_version or "")[:16],
        "data_api_version": (info.data_api_version or "")[:16],
        "endpoint_uri": (info.endpoint_uri or "")[:500],
        "meta_updated_at": _meta_time(info.updated_at),
    }
    if flow is None:
        flow = Flow.objects.create(account=account, flow_id=info.id, status=info.status or Flow.Status.DRAFT,
                                   status_changed_at=now, synced_at=now, **fields)
        _history(flow, "", flow.status, now)
        result.created += 1
        return
    changed = [name for name, value in fields.items() if getattr(flow, name) != value]
    for name in changed:
        setattr(flow, name, fields[name])
    if info.status and info.status != flow.status:
        _history(flow, flow.status, info.status, now)
        flow.status, flow.status_changed_at = info.status, now
        changed += ["status", "status_changed_at"]
    flow.synced_at = now
    flow.save(update_fields=[*changed, "synced_at", "updated_at"])
    result.updated += bool(changed)


def _history(flow: Flow, old: str, new: str, now: datetime) -> None:
    FlowStatusChange.objects.create(
        flow=flow, event=FlowStatusChange.STATUS_CHANGE, old_status=old, new_status=new,
        message="Found by a sync with Meta", source=FlowStatusChange.Source.SYNC, occurred_at=now,
    )


def refresh_preview(*, flow: Flow, renew: bool = False) -> Flow:
    """Meta's web preview link of the flow (``renew``: a new link; the old one stops working)."""
    try:
        info = client_for(flow.account).get_flow_preview(flow_id=flow.flow_id, invalidate=renew)
    except CloudApiError as error:
        raise refused(error, action="give the preview link") from None
    if info.preview is None:
        flow.preview_url, flow.preview_expires_at = "", None
    else:
        flow.preview_url = info.preview.preview_url[:1000]
        flow.preview_expires_at = _meta_time(info.preview.expires_at)
    flow.save(update_fields=["preview_url", "preview_expires_at", "updated_at"])
    return flow


def check_health(*, flow: Flow, phone_number: PhoneNumber) -> Flow:
    """Can ``phone_number`` send this flow? Meta's ``health_status`` (flow, WABA, business, app) is kept on the flow."""
    if phone_number.account_id != flow.account_id:
        raise ValueError("The number belongs to another business account.")
    try:
        info = client_for(flow.account).get_flow_health(flow_id=flow.flow_id,
                                                        phone_number_id=phone_number.phone_number_id)
    except CloudApiError as error:
        raise refused(error, action="tell whether the flow can be sent") from None
    flow.health_status = info.health_status or {}
    flow.health_phone_number, flow.health_checked_at = phone_number, timezone.now()
    flow.save(update_fields=["health_status", "health_phone_number", "health_checked_at", "updated_at"])
    return flow


def _meta_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, _META_TIME)
    except ValueError:
        return None
