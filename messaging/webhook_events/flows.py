"""The ``flows`` field: status changes of our WhatsApp Flows and alerts about their endpoints."""

from typing import Any

from accounts.models import BusinessAccount
from accounts.webhook_scope import ANY_ACCOUNT, SignerScope
from cloudapi.webhook_payloads import InvalidPayload, UnknownAccount, entry_time, text_of

from ..models import Flow, WebhookEvent
from ..services.flows import apply_flow_status_change, record_flow_alert


def handle_flows(
    *, value: dict[str, Any], entry: dict[str, Any], event: WebhookEvent, scope: SignerScope = ANY_ACCOUNT
) -> None:
    """``FLOW_STATUS_CHANGE`` moves the flow; every other event is an alert on it."""
    kind = value.get("event")
    if not isinstance(kind, str) or not kind:
        raise InvalidPayload("a flows change has no event")
    account = _account_of(entry, event, scope)
    flow_id = text_of(value.get("flow_id"), max_length=64)
    if flow_id:
        owner_id = Flow.objects.filter(flow_id=flow_id).values_list("account_id", flat=True).first()
        scope.claim(owner_id=owner_id, what=f"flow {flow_id}")
    occurred_at = entry_time(entry) or event.received_at
    if kind == "FLOW_STATUS_CHANGE":
        if not text_of(value.get("flow_id")):
            raise InvalidPayload("a flow status change has no flow_id")
        apply_flow_status_change(account=account, value=value, occurred_at=occurred_at, event=event)
    else:
        record_flow_alert(account=account, value=value, occurred_at=occurred_at, event=event)


def _account_of(entry: dict[str, Any], event: WebhookEvent, scope: SignerScope) -> BusinessAccount:
    """The (signer's) WABA named by ``entry.id``, else the account whose app secret signed the event."""
    waba_id = text_of(entry.get("id"), max_length=64)
    account = scope.entry_account(entry) or event.account
    if account is None:
        raise UnknownAccount(f"No business account with WABA id {waba_id!r} is connected.")
    return account
