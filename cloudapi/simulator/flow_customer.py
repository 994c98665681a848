"""A customer opening a flow we sent, with Meta's side of the data endpoint played for real.

Like Meta, the simulator encrypts each request with the public key the business uploaded for the
number (RSA-OAEP + AES-128-GCM), signs the body with the app secret (``X-Hub-Signature-256``), adds a
``flow_token_signature`` JWT for Data API 4.0 flows, decrypts the answer, and moves from screen to screen
following the uploaded Flow JSON: a screen's footer action ``navigate`` moves on locally, ``data_exchange``
asks the endpoint, ``complete`` (or the endpoint's ``SUCCESS``) ends the flow, and the ``nfm_reply``
webhook is queued with what the flow returned. Form fields are filled from ``answers`` or, when not
given, with the first option / a sample value. What the customer typed is not kept: a session records
actions, screens and HTTP statuses only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

import requests

from .. import flow_crypto
from ..signature import sign

if TYPE_CHECKING:
    from .config import SimNumber, SimulatorConfig
    from .state import Store

# (url, body, headers) → (status, text): how the simulator reaches the endpoint; tests pass their client.
Poster = Callable[[str, bytes, dict[str, str]], tuple[int, str]]
MAX_STEPS = 25
ENDPOINT_TIMEOUT = 10.0
_BINDING = re.compile(r"^\$\{(form|data)\.([A-Za-z0-9_]+)\}$")


class FlowEndpointError(ValueError):
    """The endpoint refused or broke the flow (``status`` is its HTTP code, 0 if it could not be reached)."""

    def __init__(self, message: str, *, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def post_with_requests(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """The default poster: a real HTTPS/HTTP POST."""
    try:
        response = requests.post(url, data=body, headers=headers, timeout=ENDPOINT_TIMEOUT)
    except requests.RequestException as error:
        raise FlowEndpointError(f"The endpoint {url} could not be reached: {type(error).__name__}") from None
    return response.status_code, response.text


class FlowCustomerMixin:
    """``Simulator`` methods for flows with a data endpoint."""

    config: SimulatorConfig
    _numbers: dict[str, SimNumber]
    _store: Store

    if TYPE_CHECKING:  # provided by Simulator and CustomersMixin
        def _replied_message(self, wamid: str, interactive_type: str) -> dict[str, Any]: ...

        def customer_flow_reply(self, *, wa_id: str, context_id: str, response: dict[str, Any] | None = None,
                                flow_token: str | None = None, name: str = "") -> str: ...

    def ping_flow_endpoint(self, flow_id: str, *, phone_number_id: str | None = None, post: Poster | None = None,
                           endpoint_url: str | None = None) -> dict[str, Any]:
        """Meta's health check of a flow's endpoint: the decrypted answer (``{"data": {"status": "active"}}``)."""
        flow = self._flow(flow_id)
        number = self._numbers[phone_number_id] if phone_number_id else self._waba_number(flow["waba_id"])
        channel = _Channel(self, flow, number, post or post_with_requests, endpoint_url, token="")
        return channel.call({"version": "3.0", "action": "ping"})

    def customer_open_flow(self, *, wa_id: str, context_id: str, answers: dict[str, Any] | None = None,
                           name: str = "", post: Poster | None = None,
                           endpoint_url: str | None = None) -> dict[str, Any]:
        """The customer opens the flow message ``context_id`` we sent, goes through its screens and submits.

        Returns ``{"id": <nfm_reply wamid>, "screens": [...visited], "session": <id>}``. Raises
        ``ValueError`` for what Meta would not open (no Flow JSON; no endpoint or public key where a
        screen needs the endpoint) and
        :class:`FlowEndpointError` when the endpoint refuses (421, 427 with its message, 432, 500…).
        """
        sent = self._replied_message(context_id, "flow")
        parameters = sent["body"]["interactive"]["action"]["parameters"]
        flow = self._flow(str(parameters.get("flow_id") or ""), name=parameters.get("flow_name"),
                          waba_id=self._numbers[sent["phone_number_id"]].waba_id)
        token = str(parameters.get("flow_token") or "")
        channel = _Channel(self, flow, self._numbers[sent["phone_number_id"]], post or post_with_requests,
                           endpoint_url, token=token)
        screens = _screens(flow)
        payload = parameters.get("flow_action_payload") or {}
        try:
            if parameters.get("flow_action") == "data_exchange":
                screen, data = _next(channel.exchange("INIT", "", None))
            else:
                screen = payload.get("screen") or next(iter(screens))
                data = payload.get("data") or {}
            result = self._walk(channel, screens, screen, data, answers or {})
        finally:
            channel.save_session()
        response = {k: v for k, v in result.items() if k != "flow_token"}
        wamid = self.customer_flow_reply(wa_id=wa_id, context_id=context_id, response=response,
                                         flow_token=str(result.get("flow_token") or token), name=name)
        return {"id": wamid, "screens": channel.visited, "session": channel.session_id}

    def flow_sessions(self) -> list[dict[str, Any]]:
        """Every flow opened by a simulated customer: flow, steps (action, screen, status), outcome."""
        return self._store.list_objects("flow_session")

    # -- the walk through the screens ------------------------------------------------------------

    def _walk(self, channel: _Channel, screens: dict[str, dict[str, Any]], screen: str, data: dict[str, Any],
              answers: dict[str, Any]) -> dict[str, Any]:
        for _ in range(MAX_STEPS):
            if screen not in screens:
                raise FlowEndpointError(f"The endpoint sent screen {screen!r}, which the Flow JSON does not have")
            channel.visited.append(screen)
            layout = screens[screen].get("layout") or {}
            form = _fill_form(layout, data, answers)
            action = _footer_action(layout)
            if action is None:
                raise ValueError(f"Screen {screen} has no on-click-action: the customer cannot go on")
            payload = _resolve(action.get("payload") or {}, form, data)
            kind = action.get("name")
            if kind == "navigate":
                screen, data = str((action.get("next") or {}).get("name") or ""), payload
            elif kind == "complete":
                channel.outcome = "completed"
                return payload
            elif kind == "data_exchange":
                answer = channel.exchange("data_exchange", screen, payload)
                if answer.get("screen") == "SUCCESS":
                    channel.outcome = "completed"
                    return ((answer.get("data") or {}).get("extension_message_response") or {}).get("params") or {}
                error = (answer.get("data") or {}).get("error_message")
                if error and answer.get("screen") == screen:
                    channel.outcome = "error_message"
                    raise FlowEndpointError(f"The endpoint kept the customer on {screen}: {error}", status=200)
                screen, data = _next(answer)
            else:
                raise ValueError(f"Screen {screen}: unknown on-click-action {kind!r}")
        raise FlowEndpointError(f"The flow did not end within {MAX_STEPS} screens")

    def _flow(self, flow_id: str, *, name: Any = None, waba_id: str | None = None) -> dict[str, Any]:
        flow = self._store.get("flow", flow_id) if flow_id else None
        if flow is None and name:
            flow = next((f for f in self._store.list_objects("flow", waba_id) if f["name"] == name), None)
        if flow is None:
            raise KeyError(f"No flow {flow_id or name!r} in the simulator")
        return flow

    def _waba_number(self, waba_id: str) -> SimNumber:
        return next(n for n in self._numbers.values() if n.waba_id == waba_id)


class _Channel:
    """Encrypted, signed requests of one flow session to the business's endpoint."""

    def __init__(self, sim: FlowCustomerMixin, flow: dict[str, Any], number: SimNumber, post: Poster,
                 endpoint_url: str | None, *, token: str) -> None:
        self.sim, self.flow, self.number, self.post, self.token = sim, flow, number, post, token
        # A flow whose screens all come from its JSON (navigate, no data_exchange) needs no endpoint.
        self.url = endpoint_url or flow.get("endpoint_uri") or ""
        self.visited: list[str] = []
        self.steps: list[dict[str, Any]] = []
        self.outcome = "open"
        self.session_id = f"fs-{secrets.token_hex(8)}"

    def public_key(self):
        held = self.sim._store.get("encryption", self.number.phone_number_id)
        if held is None:
            raise ValueError(f"No business public key for number {self.number.phone_number_id}: upload one "
                             "(POST /{phone-number-id}/whatsapp_business_encryption)")
        return flow_crypto.load_public_key(held["business_public_key"])

    def exchange(self, action: str, screen: str, data: dict[str, Any] | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"version": "3.0", "action": action, "flow_token": self.token}
        if screen:
            payload["screen"] = screen
        if data is not None:
            payload["data"] = data
        if _version(self.flow.get("data_api_version")) >= (4, 0) and _version(self.flow.get("json_version")) >= (7, 3):
            payload["version"] = "4.0"
            payload["flow_token_signature"] = _jwt({"flow_token": self.token, "iat": int(time.time())},
                                                   self.number.app_secret)
        return self.call(payload)

    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.url:
            raise ValueError(f"Flow {self.flow['id']} has no endpoint_uri: set one (POST /{self.flow['id']})")
        for attempt in (1, 2):
            request = flow_crypto.encrypt_request(payload, self.public_key())
            body = json.dumps(request.body).encode()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, self.number.app_secret)}
            status, text = self.post(self.url, body, headers)
            self.steps.append({"action": payload["action"], "screen": payload.get("screen", ""), "status": status})
            if status == 421 and attempt == 1:
                continue  # Meta re-reads the business public key and tries once more
            if status in (200, 427):
                try:
                    answer = flow_crypto.decrypt_response(text, aes_key=request.aes_key, iv=request.iv)
                except Exception:  # noqa: BLE001 — any undecryptable answer is the endpoint's fault
                    raise FlowEndpointError(f"The endpoint's answer to {payload['action']} is not encrypted "
                                            "with the request's key and inverted IV", status=status) from None
                if status == 427:
                    self.outcome = "refused_427"
                    raise FlowEndpointError(f"The endpoint closed the flow (427): {answer.get('error_msg', '')}",
                                            status=427)
                return answer
            self.outcome = f"refused_{status}"
            raise FlowEndpointError(f"The endpoint answered {status} to {payload['action']}", status=status)
        raise AssertionError("unreachable")

    def save_session(self) -> None:
        self.sim._store.put("flow_session", self.session_id, {
            "id": self.session_id, "flow_id": self.flow["id"], "flow_name": self.flow.get("name", ""),
            "phone_number_id": self.number.phone_number_id, "steps": self.steps, "screens": self.visited,
            "outcome": self.outcome}, owner=self.flow["waba_id"], created=self.sim.config.clock())


# -- Flow JSON reading ---------------------------------------------------------------------------


def _screens(flow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if not flow.get("asset"):
        raise ValueError(f"Flow {flow['id']} has no Flow JSON: upload one first (POST /{flow['id']}/assets)")
    document = json.loads(flow["asset"])
    screens = {s["id"]: s for s in document.get("screens") or [] if isinstance(s, dict) and s.get("id")}
    if not screens:
        raise ValueError(f"Flow {flow['id']}'s Flow JSON has no screens")
    return screens


def _next(answer: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    screen = answer.get("screen")
    if not isinstance(screen, str) or not screen:
        raise FlowEndpointError("The endpoint's answer names no screen", status=200)
    data = answer.get("data")
    return screen, data if isinstance(data, dict) else {}


def _components(node: Any):
    if isinstance(node, dict):
        yield node
        for child in node.get("children") or []:
            yield from _components(child)
    elif isinstance(node, list):
        for item in node:
            yield from _components(item)


def _footer_action(layout: dict[str, Any]) -> dict[str, Any] | None:
    return next((c["on-click-action"] for c in _components(layout) if isinstance(c.get("on-click-action"), dict)),
                None)


def _options(source: Any, data: dict[str, Any]) -> list[Any]:
    if isinstance(source, str):
        match = _BINDING.match(source)
        source = data.get(match.group(2)) if match else None
    return [o.get("id") for o in source or [] if isinstance(o, dict)] if isinstance(source, list) else []


def _fill_form(layout: dict[str, Any], data: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """What the customer enters: ``answers`` by field name, else the first option or a sample value."""
    form: dict[str, Any] = {}
    for component in _components(layout):
        field = component.get("name")
        if not isinstance(field, str):
            continue
        if field in answers:
            form[field] = answers[field]
            continue
        kind = component.get("type")
        options = _options(component.get("data-source"), data)
        if kind in ("Dropdown", "RadioButtonsGroup", "ChipsSelector") and options:
            form[field] = options[0]
        elif kind == "CheckboxGroup" and options:
            form[field] = options[:1]
        elif kind == "OptIn":
            form[field] = True
        elif kind in ("DatePicker", "CalendarPicker"):
            form[field] = date.today().isoformat()
        elif kind == "TextInput" and component.get("input-type") == "email":
            form[field] = "customer@example.com"
        elif kind == "TextInput" and component.get("input-type") in ("number", "phone"):
            form[field] = "15551234567" if component.get("input-type") == "phone" else "1"
        else:
            form[field] = "Sample answer"
    return form


def _resolve(value: Any, form: dict[str, Any], data: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _resolve(item, form, data) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, form, data) for item in value]
    if isinstance(value, str):
        match = _BINDING.match(value)
        if match:
            return (form if match.group(1) == "form" else data).get(match.group(2))
    return value


def _version(text: Any) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(text or "0").split("."))
    except ValueError:
        return (0,)


def _jwt(claims: dict[str, Any], secret: str) -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    head = f"{part(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{part(json.dumps(claims).encode())}"
    return f"{head}.{part(hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest())}"
