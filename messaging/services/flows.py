"""WhatsApp Flows as Meta reports them: responses from customers, status changes and alerts."""

import json
import re
from datetime import datetime
from typing import Any

from accounts.models import AccountEvent, BusinessAccount
from accounts.services import record_account_event
from cloudapi.webhook_payloads import as_dict, clean_json, text_of

from ..models import Flow, FlowResponse, FlowStatusChange, Message, WebhookEvent
from .flow_answers import labelled_fields, token_for_reply
from .flow_tokens import complete_flow_token

# Alerts Meta raises about a flow's endpoint or client (docs/cloudapi.md §5, flows field).
ALERT_EVENTS = {"CLIENT_ERROR_RATE", "ENDPOINT_ERROR_RATE", "ENDPOINT_LATENCY", "ENDPOINT_AVAILABILITY"}
_STATUS_SEVERITY = {
    Flow.Status.BLOCKED: AccountEvent.Severity.CRITICAL,
    Flow.Status.THROTTLED: AccountEvent.Severity.WARNING,
}
_NAME_IN_MESSAGE = re.compile(r"^(?:The endpoint for )?(?P<name>.+?) (?:changed status from|has)\b")


def record_flow_response(*, message: Message, nfm_reply: dict[str, Any]) -> FlowResponse:
    """Keep what the customer submitted; a broken ``response_json`` is kept raw, never an error."""
    existing = FlowResponse.objects.filter(message=message).first()
    if existing is not None:
        return existing
    raw = nfm_reply.get("response_json")
    raw_text = raw if isinstance(raw, str) else json.dumps(raw)
    response, error = _parse_response(raw)
    token_text = text_of(response.get("flow_token"), max_length=512)
    # Unknown and expired tokens are kept (and shown so), never a reason to drop the answer.
    token, token_state = token_for_reply(message=message, token=token_text)
    record = FlowResponse.objects.create(
        message=message,
        contact=message.conversation.contact,
        flow=token.flow if token is not None else _flow_of_answered_message(message),
        flow_token=token_text,
        token=token,
        token_state=token_state,
        response=response,
        raw_response=raw_text,
        parse_error=error[:255],
    )
    if token is not None:
        complete_flow_token(token=token)  # answered: the data endpoint refuses it from now on
    summary = ", ".join(f"{label}: {value}" for label, value in labelled_fields(record))
    if summary:
        message.text = f"{message.text}\n{summary}" if message.text else summary
        message.save(update_fields=["text", "updated_at"])
    return record


def upsert_flow(*, account: BusinessAccount, flow_id: str, message: str = "") -> Flow:
    """The flow with Meta's ``flow_id``, created (named from Meta's message if we can) when unknown."""
    flow = Flow.objects.filter(flow_id=flow_id).first()
    if flow is None:
        match = _NAME_IN_MESSAGE.match(message)
        name = match.group("name") if match else ""
        flow = Flow.objects.create(account=account, flow_id=flow_id, name=name[:200])
    return flow


def apply_flow_status_change(
    *, account: BusinessAccount, value: dict[str, Any], occurred_at: datetime, event: WebhookEvent | None = None
) -> Flow:
    """``FLOW_STATUS_CHANGE``: move the flow to its new status, by Meta's time, and tell the account.

    Throttled or blocked flows raise a banner; going back to published clears it.
    """
    flow_id = text_of(value.get("flow_id"), max_length=64)
    new_status = text_of(value.get("new_status"), max_length=32)
    message = text_of(value.get("message"), max_length=255)
    flow = upsert_flow(account=account, flow_id=flow_id, message=message)
    _remember(flow, value, FlowStatusChange.STATUS_CHANGE, message, occurred_at, event,
              old_status=text_of(value.get("old_status"), max_length=32), new_status=new_status)
    if new_status and (flow.status_changed_at is None or flow.status_changed_at <= occurred_at):
        flow.status, flow.status_changed_at = new_status, occurred_at
        flow.save(update_fields=["status", "status_changed_at", "updated_at"])
    severity = _STATUS_SEVERITY.get(new_status, AccountEvent.Severity.INFO)
    # One topic per flow: a later status (back to PUBLISHED) takes down a THROTTLED/BLOCKED banner.
    _record(account, value, "FLOW_STATUS_CHANGE", message or f"Flow {flow_id} is now {new_status}",
            severity, occurred_at, event, topic=f"flows:{flow_id}:status",
            active=severity != AccountEvent.Severity.INFO)
    return flow


def record_flow_alert(
    *, account: BusinessAccount, value: dict[str, Any], occurred_at: datetime, event: WebhookEvent | None = None
) -> Flow | None:
    """An endpoint/client alert or a version-expiry warning: on the flow's alerts and as account news.

    ``alert_state: ACTIVATED`` raises a warning banner; ``DEACTIVATED`` clears the earlier one.
    """
    kind = text_of(value.get("event"), max_length=64)
    flow_id = text_of(value.get("flow_id"), max_length=64)
    state = text_of(value.get("alert_state")).upper()
    message = text_of(value.get("message"), max_length=255)
    flow = upsert_flow(account=account, flow_id=flow_id, message=message) if flow_id else None
    if flow is not None:
        _remember(flow, value, kind, message, occurred_at, event, new_status="")
        alerts = dict(flow.alerts) if isinstance(flow.alerts, dict) else {}
        previous = as_dict(alerts.get(kind))
        if not previous.get("at") or previous["at"] <= occurred_at.isoformat():
            alerts[kind] = {**clean_json(dict(value)), "at": occurred_at.isoformat()}
            flow.alerts = alerts
            flow.save(update_fields=["alerts", "updated_at"])
    title = message or _alert_title(kind, flow_id, state)
    # ACTIVATED and DEACTIVATED of one alert share a topic: the later one (by Meta's time) wins,
    # so DEACTIVATED takes the earlier banner down even if it overtook it on the way.
    raised = state == "ACTIVATED" or (kind not in ALERT_EVENTS and state != "DEACTIVATED")  # e.g. version expiry
    severity = AccountEvent.Severity.WARNING if raised else AccountEvent.Severity.INFO
    _record(account, value, kind, title, severity, occurred_at, event, topic=f"flows:{flow_id}:{kind}", active=raised)
    return flow


def _remember(flow: Flow, value, kind: str, message: str, occurred_at: datetime, event: WebhookEvent | None, *,
              new_status: str, old_status: str = "") -> None:
    """The flow's history row for this webhook change, once (a replayed event adds nothing)."""
    row = {"flow": flow, "event": kind[:64], "old_status": old_status, "new_status": new_status,
           "occurred_at": occurred_at, "source": FlowStatusChange.Source.WEBHOOK}
    if event is not None and FlowStatusChange.objects.filter(webhook_event=event, **row).exists():
        return
    FlowStatusChange.objects.create(**row, webhook_event=event, message=message, details=clean_json(dict(value)))


def _record(account, value, kind, title, severity, occurred_at, event, *, topic: str, active: bool) -> None:
    record_account_event(
        account=account, field="flows", event=kind, title=title, details=dict(value), severity=severity,
        active=active, occurred_at=occurred_at, webhook_event_id=event.pk if event else None, topic=topic,
    )


def _alert_title(kind: str, flow_id: str, state: str) -> str:
    label = kind.replace("_", " ").capitalize() or "Flow alert"
    return f"{label} for flow {flow_id}" + (f" ({state.lower()})" if state else "")


def _parse_response(raw: Any) -> tuple[dict, str]:
    if isinstance(raw, dict):
        return raw, ""
    if not isinstance(raw, str):
        return {}, "response_json is missing or not a string"
    try:
        parsed = clean_json(json.loads(raw, parse_constant=lambda _constant: None))
    except (ValueError, RecursionError) as exc:
        return {}, f"response_json is not JSON: {exc}"
    if not isinstance(parsed, dict):
        return {"value": parsed}, "response_json is not an object"
    return parsed, ""


def _flow_of_answered_message(message: Message) -> Flow | None:
    """The flow id is not in the reply; the flow message it answers (ours, by context) has it."""
    if not message.context_wamid:
        return None
    # The answered message is in the same chat: a context naming another account's message is no link.
    answered = (
        Message.objects.filter(
            wamid=message.context_wamid, direction=Message.Direction.OUTBOUND, conversation_id=message.conversation_id
        )
        .select_related("conversation__phone_number")
        .first()
    )
    if answered is None:
        return None
    parameters = as_dict(as_dict(as_dict(answered.payload).get("action")).get("parameters"))
    flow_id, flow_name = text_of(parameters.get("flow_id")), text_of(parameters.get("flow_name"))
    if flow_id:
        return Flow.objects.filter(flow_id=flow_id).first()
    if flow_name:  # sent by name: names are unique per WABA
        account_id = answered.conversation.phone_number.account_id
        return Flow.objects.filter(account_id=account_id, name=flow_name).first()
    return None
