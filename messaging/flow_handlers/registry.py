"""The table of flow handlers (plain Python; filled from ``AppConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..models import Flow, FlowToken


@dataclass(frozen=True)
class FlowExchange:
    """One decrypted request for a handler. ``data`` is the customer's: never log it."""

    action: str  # "INIT", "data_exchange" or "BACK"
    screen: str
    data: dict[str, Any]
    token: FlowToken
    flow: Flow
    config: dict[str, Any] = field(default_factory=dict)
    version: str = "3.0"


class FlowHandlerError(Exception):
    """Keep the customer on ``screen`` with ``message`` shown (Meta's ``error_message``)."""

    def __init__(self, message: str, *, screen: str = "", data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message, self.screen, self.data = message, screen, data or {}


FlowHandler = Callable[[FlowExchange], dict[str, Any]]


@dataclass(frozen=True)
class _Entry:
    handler: FlowHandler
    label: str
    check_config: Callable[[Any], list[str]] | None


_handlers: dict[str, _Entry] = {}


def register_flow_handler(name: str, handler: FlowHandler, *, label: str = "",
                          check_config: Callable[[Any], list[str]] | None = None) -> None:
    """Make ``handler`` answer for flows whose ``endpoint_handler`` is ``name``.

    ``check_config(config)`` returns the problems of a flow's ``endpoint_config`` (empty: fine).
    """
    existing = _handlers.get(name)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"Flow handler {name!r} is already registered: {existing.handler.__qualname__}")
    _handlers[name] = _Entry(handler, label or name, check_config)


def handler_for(name: str) -> FlowHandler | None:
    entry = _handlers.get(name)
    return entry.handler if entry else None


def config_errors(name: str, config: Any) -> list[str]:
    entry = _handlers.get(name)
    if entry is None:
        return [f"Unknown handler {name!r}."]
    return entry.check_config(config) if entry.check_config else []


def handler_choices() -> list[tuple[str, str]]:
    return sorted(((name, entry.label) for name, entry in _handlers.items()), key=lambda pair: pair[1])


def success(exchange: FlowExchange, **params: Any) -> dict[str, Any]:
    """The answer that closes the flow: Meta sends ``params`` (with our flow_token) back as the nfm_reply."""
    return {"screen": "SUCCESS", "data": {"extension_message_response": {
        "params": {"flow_token": exchange.token.token, **params}}}}
