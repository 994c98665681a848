"""Which function processes which webhook ``field``. Apps fill it from ``AppConfig.ready()``.

Plain Python, so the receiver in messaging can dispatch events owned by apps it must not import.
"""

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]
_handlers: dict[str, Handler] = {}


def register(field: str, handler: Handler) -> None:
    """Make ``handler(value=…, entry=…, event=…, scope=…)`` process changes of ``field``.

    ``scope`` holds the accounts that signed the event; the handler finds what it changes through it.
    """
    existing = _handlers.get(field)
    if existing is not None and existing is not handler:
        raise ValueError(f"Webhook field {field!r} already has a handler: {existing.__qualname__}")
    _handlers[field] = handler


def handler_for(field: str) -> Handler | None:
    return _handlers.get(field)


def fields() -> list[str]:
    return sorted(_handlers)
