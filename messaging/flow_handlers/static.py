"""The "static" handler: each screen's data is JSON configured on the flow's endpoint page.

Config::

    {"first_screen": "WELCOME",
     "screens": {"WELCOME": {"data": {"greeting": "Hi"}, "next": "DETAILS"},
                 "DETAILS": {"data": {}, "next": "SUCCESS"}}}

``INIT`` opens ``first_screen`` with its data; ``data_exchange`` from a screen goes to its ``next``
with that screen's data (``SUCCESS``, or no ``next``, ends the flow, and what the customer sent on the
last screen goes back in the reply's params); ``BACK`` shows the named screen again with its data (the first screen when Meta names none).
"""

from __future__ import annotations

import re
from typing import Any

from .registry import FlowExchange, FlowHandlerError, success

_SCREEN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def handle(exchange: FlowExchange) -> dict[str, Any]:
    config = exchange.config if isinstance(exchange.config, dict) else {}
    screens = config.get("screens") if isinstance(config.get("screens"), dict) else {}
    if exchange.action == "INIT":
        return _show(screens, str(config.get("first_screen") or ""))
    if exchange.action == "BACK":  # Meta may leave the screen out of a BACK: then the first screen
        return _show(screens, exchange.screen if exchange.screen in screens else str(config.get("first_screen") or ""))
    step = screens.get(exchange.screen)
    if not isinstance(step, dict):
        raise FlowHandlerError("This step is not set up yet. Please try again later.", screen=exchange.screen)
    following = step.get("next") or "SUCCESS"
    if following == "SUCCESS":
        return success(exchange, **{k: v for k, v in exchange.data.items() if k != "flow_token"})
    return _show(screens, following)


def _show(screens: dict[str, Any], screen: str) -> dict[str, Any]:
    step = screens.get(screen)
    if not isinstance(step, dict):
        raise FlowHandlerError("This step is not set up yet. Please try again later.", screen=screen)
    data = step.get("data")
    return {"screen": screen, "data": data if isinstance(data, dict) else {}}


def config_errors(config: Any) -> list[str]:
    """What is wrong with a static config, in words for the form."""
    if not isinstance(config, dict):
        return ["The configuration must be a JSON object."]
    screens = config.get("screens")
    if not isinstance(screens, dict) or not screens:
        return ['"screens" must be an object with one entry per screen id.']
    errors = []
    first = config.get("first_screen")
    if first not in screens:
        errors.append('"first_screen" must name one of the screens.')
    for name, step in screens.items():
        if not _SCREEN_ID.match(name) or name == "SUCCESS":
            errors.append(f"{name!r} is not a usable screen id (letters, digits and _; not SUCCESS).")
            continue
        if not isinstance(step, dict):
            errors.append(f"Screen {name}: must be an object with \"data\" and \"next\".")
            continue
        if "data" in step and not isinstance(step["data"], dict):
            errors.append(f"Screen {name}: \"data\" must be an object.")
        following = step.get("next", "SUCCESS")
        if following != "SUCCESS" and following not in screens:
            errors.append(f"Screen {name}: \"next\" must be SUCCESS or one of the screens.")
    return errors
