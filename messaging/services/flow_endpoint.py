"""The WhatsApp Flows data endpoint's protocol (docs/flows.md "The data endpoint").

Signature first (432), then decryption with the accepted keys of the signing accounts' numbers (421),
then the action: ``ping`` and error notifications are answered here, ``INIT`` / ``data_exchange`` /
``BACK`` need a live flow token (427) and go to the flow's handler. Nothing decrypted is ever logged:
log lines carry our own reasons, codes and ids only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accounts.services.flow_keys import endpoint_keys
from cloudapi import flow_crypto

from ..flow_handlers import FlowExchange, FlowHandlerError, handler_for
from ..models import FlowToken
from .flow_jwt import flow_token_signature_ok
from .flow_tokens import EXPIRED_MESSAGE, FlowTokenRefused, check_flow_token
from .webhook_inbox import signing_account_ids

logger = logging.getLogger(__name__)

HANDLED_ACTIONS = ("INIT", "data_exchange", "BACK")


@dataclass(frozen=True)
class EndpointAnswer:
    """What to send back, and whose request it was (for the monitoring counts)."""

    status: int
    body: str
    flow_id: int | None = None  # our Flow pk
    phone_number_id: int | None = None  # our PhoneNumber pk


def answer_flow_request(*, body: bytes, signature: str | None) -> EndpointAnswer:
    """Answer one POST of Meta to the data endpoint."""
    account_ids = signing_account_ids(body=body, signature=signature)
    if not account_ids:
        logger.info("flows endpoint: 432, X-Hub-Signature-256 missing or from no connected app")
        return EndpointAnswer(432, "Signature mismatch.")
    try:
        envelope = json.loads(body)
        if not isinstance(envelope, dict):
            raise flow_crypto.Undecryptable("the body is not a JSON object")
        keys = endpoint_keys(account_ids=account_ids)
        decrypted = flow_crypto.decrypt_request(envelope, [(key, key.private_key) for key in keys])
    except (ValueError, flow_crypto.Undecryptable) as error:
        reason = str(error) if isinstance(error, flow_crypto.Undecryptable) else "the body is not JSON"
        logger.info("flows endpoint: 421, %s", reason)
        return EndpointAnswer(421, "Could not decrypt the request.")
    key, payload = decrypted.key_id, decrypted.payload

    def reply(status: int, answer: dict[str, Any], flow_id: int | None = None) -> EndpointAnswer:
        text = flow_crypto.encrypt_response(answer, aes_key=decrypted.aes_key, iv=decrypted.iv)
        return EndpointAnswer(status, text, flow_id=flow_id, phone_number_id=key.phone_number_id)

    action = payload.get("action")
    if action == "ping":
        return reply(200, {"data": {"status": "active"}})
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    if "error" in data:  # the client reports an error it met (e.g. our answer did not fit the screen)
        known = FlowToken.objects.filter(token=str(payload.get("flow_token") or "")[:128]).values_list(
            "flow_id", flat=True).first()
        logger.warning("flows endpoint: the client reported an error for flow %s", known or "unknown")
        return reply(200, {"data": {"acknowledged": True}}, flow_id=known)
    try:
        token = check_flow_token(token=payload.get("flow_token"), phone_number_id=key.phone_number_id)
        jwt = payload.get("flow_token_signature")
        if jwt is not None and not flow_token_signature_ok(jwt, app_secret=token.flow.account.app_secret,
                                                           flow_token=token.token):
            raise FlowTokenRefused("flow_token_signature does not verify")
    except FlowTokenRefused as refused:
        logger.info("flows endpoint: 427, %s", refused.reason)
        return reply(427, {"error_msg": EXPIRED_MESSAGE})
    if action not in HANDLED_ACTIONS:
        logger.info("flows endpoint: 400, unknown action for flow %s", token.flow_id)
        return EndpointAnswer(400, "Unknown action.", flow_id=token.flow_id, phone_number_id=key.phone_number_id)
    return _handle(token, action, payload, data, reply)


def _handle(token: FlowToken, action: str, payload: dict[str, Any], data: dict[str, Any], reply) -> EndpointAnswer:
    flow = token.flow
    handler = handler_for(flow.endpoint_handler)
    if handler is None:
        logger.error("flows endpoint: 500, flow %s has no handler (endpoint_handler=%r)", flow.flow_id,
                     flow.endpoint_handler)
        return EndpointAnswer(500, "This flow has no endpoint handler.", flow_id=flow.pk,
                              phone_number_id=token.phone_number_id)
    screen = payload.get("screen") if isinstance(payload.get("screen"), str) else ""
    exchange = FlowExchange(action=action, screen=screen, data=data, token=token, flow=flow,
                            config=flow.endpoint_config if isinstance(flow.endpoint_config, dict) else {},
                            version=str(payload.get("version") or ""))
    try:
        answer = handler(exchange)
    except FlowHandlerError as error:
        answer = {"screen": error.screen or screen, "data": {**error.data, "error_message": error.message}}
    except Exception as error:  # noqa: BLE001 — a handler's bug must not say what the data held
        logger.error("flows endpoint: 500, handler %r of flow %s raised %s", flow.endpoint_handler, flow.flow_id,
                     type(error).__name__)
        return EndpointAnswer(500, "The flow's handler failed.", flow_id=flow.pk,
                              phone_number_id=token.phone_number_id)
    now = timezone.now()
    changes: dict[str, Any] = {"last_used_at": now}
    if answer.get("screen") == "SUCCESS":
        changes["completed_at"] = now  # the flow is over: its token opens nothing any more
    FlowToken.objects.filter(pk=token.pk).update(**changes)
    return reply(200, answer, flow_id=flow.pk)
