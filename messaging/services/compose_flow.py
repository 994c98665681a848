"""A flow message from the composer: which flow, its button, texts, first screen, and the token we generate.

:func:`sendable_flows` is the composer's picker (the conversation's account only; no view_flow needed:
operators send flows they may not author). :func:`flow_draft` checks what was typed and builds the
``interactive`` object with ``cloudapi.client.interactive_flow``; the token is issued by
:func:`issue_flow_token` (``FLOW_TOKEN_TTL_DAYS``), bound to the conversation and the flow.
"""

from __future__ import annotations

import json

from django.db.models import QuerySet

from cloudapi.client import interactive_flow

from ..models import Conversation, Flow
from . import limits
from .compose import Draft, Problems, _interactive_texts
from .flow_tokens import issue_flow_token

SENDABLE = (Flow.Status.PUBLISHED, Flow.Status.THROTTLED, Flow.Status.DRAFT)
NAVIGATE, DATA_EXCHANGE = "navigate", "data_exchange"


def sendable_flows(conversation: Conversation) -> QuerySet[Flow]:
    """Flows of the conversation's account that can be sent: published (or throttled) ones, and drafts
    (Meta delivers drafts, sent with ``mode: draft``, only to the flow's testers)."""
    return Flow.objects.filter(account_id=conversation.phone_number.account_id, status__in=SENDABLE).order_by("name")


def check_flow_fields(
    *, conversation: Conversation, flow: Flow | None, cta: str, body: str, header: str = "", footer: str = "",
    action: str = NAVIGATE, screen: str = "", data: str = "",
) -> dict:
    """The checked values (``screen``, ``data`` as a dict); raises ``ValidationError`` keyed by field."""
    problems = Problems()
    body, header, footer = _interactive_texts(problems, body, header, footer, body_max=limits.INTERACTIVE_BODY)
    cta = problems.length("flow_cta", cta, limits.FLOW_CTA, label="The button text", required=True)
    if flow is None or flow.account_id != conversation.phone_number.account_id:
        problems.add("flow", "Choose a flow of this conversation's business account.")
    elif flow.status not in SENDABLE:
        problems.add("flow", f"{flow.name or flow.flow_id} is {flow.status_label.lower()}: it can't be sent.")
    if action not in (NAVIGATE, DATA_EXCHANGE):
        problems.add("flow_action", "Choose how the flow starts: its first screen, or by asking our data endpoint.")
    screen = problems.length("screen", screen, limits.FLOW_SCREEN, label="The first screen")
    if action == NAVIGATE and not screen and flow is not None and "flow" not in problems.errors:
        screen = first_screen(flow)  # the latest uploaded JSON's first screen
    if action == NAVIGATE and not screen:
        problems.add("screen", "Name the screen the flow opens on (its id in the Flow JSON, e.g. WELCOME).")
    parsed = None
    data = (data or "").strip()
    if data:
        if len(data) > limits.FLOW_DATA:
            problems.add("data", f"The screen's data can have at most {limits.FLOW_DATA} characters.")
        else:
            try:
                parsed = json.loads(data)
            except ValueError as exc:
                problems.add("data", f"The screen's data is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.")
            else:
                if not isinstance(parsed, dict):
                    problems.add("data", 'The screen\'s data must be a JSON object, e.g. {"name": "Sheena"}.')
        if action == DATA_EXCHANGE:
            problems.add("data", "With data_exchange the endpoint gives the first screen and its data: leave this empty.")
    problems.raise_if_any()
    return {"flow": flow, "cta": cta, "body": body, "header": header, "footer": footer, "action": action,
            "screen": screen if action == NAVIGATE else "", "data": parsed}


def flow_draft(*, conversation: Conversation, checked: dict) -> Draft:
    """Issue a token for this conversation and flow and build the message (call in the send's transaction)."""
    flow: Flow = checked["flow"]
    token = issue_flow_token(flow=flow, phone_number=conversation.phone_number, conversation=conversation)
    header = {"type": "text", "text": checked["header"]} if checked["header"] else None
    content = interactive_flow(
        body=checked["body"], flow_token=token.token, flow_cta=checked["cta"], flow_id=flow.flow_id,
        screen=checked["screen"], data=checked["data"], flow_action=checked["action"], draft=flow.is_draft,
        header=header, footer=checked["footer"],
    )
    return Draft("interactive", content, text=checked["body"])


def first_screen(flow: Flow) -> str:
    """The first screen's id in the flow's latest uploaded JSON (a suggestion for the composer), or ''."""
    version = flow.json_versions.only("text").first()
    if version is None:
        return ""
    try:
        screens = json.loads(version.text).get("screens")
        return str(screens[0].get("id") or "") if isinstance(screens, list) and screens else ""
    except (ValueError, AttributeError, RecursionError):
        return ""
