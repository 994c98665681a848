"""Template sends: the template must exist in that language and be sendable, and every
component must carry as many parameters as the template has placeholders (docs/cloudapi.md §3)."""

from __future__ import annotations

from typing import Any

from ..config import SimNumber
from . import template_rules
from .context import Context
from .errors import graph_error, invalid_value, missing_parameter
from .send_types import check_location, check_media

PARAMETER_TYPES = ("text", "currency", "date_time", "image", "video", "document", "location", "payload",
                   "coupon_code", "action")


def check_template(ctx: Context, number: SimNumber, template: dict[str, Any]) -> dict[str, Any]:
    """Validate a ``template`` object; returns the stored template it sends."""
    name = template.get("name")
    if not isinstance(name, str) or not name:
        raise missing_parameter("template['name']")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        raise missing_parameter("template['language']['code']")
    stored = find_template(ctx, number.waba_id, name, code)
    _check_status(stored, name, code)
    assert stored is not None
    components = template.get("components", [])
    if not isinstance(components, list):
        raise invalid_value("template['components'] must be an array")
    _check_parameters(ctx, number, stored, components)
    return stored


def find_template(ctx: Context, waba_id: str, name: str, language: str) -> dict[str, Any] | None:
    """The WABA's template of that name and language."""
    for template in ctx.store.list_objects("template", waba_id):
        if template["name"] == name and template["language"] == language:
            return template
    return None


def _check_status(stored: dict[str, Any] | None, name: str, code: str) -> None:
    if stored is None or stored["status"] not in ("APPROVED", "PAUSED", "DISABLED"):
        raise graph_error(404, 132001, "(#132001) Template name does not exist in the translation",
                          f"template name ({name}) does not exist in {code}")
    if stored["status"] == "PAUSED":
        raise graph_error(400, 132015, "(#132015) Template is Paused",
                          "Template is paused due to low quality so it cannot be sent in a template message")
    if stored["status"] == "DISABLED":
        raise graph_error(400, 132016, "(#132016) Template is Disabled",
                          "Template has been paused too many times due to low quality and is now permanently "
                          "disabled")


def _mismatch(where: str, given: int, expected: int) -> Exception:
    return graph_error(400, 132000, "(#132000) Number of parameters does not match the expected number of params",
                       f"{where}: number of localizable_params ({given}) does not match the expected number of "
                       f"params ({expected})")


def _check_parameters(ctx: Context, number: SimNumber, stored: dict[str, Any], components: list[Any]) -> None:
    expected = template_rules.expected_params(stored)
    given: dict[str, list[Any]] = {"header": [], "body": []}
    buttons: dict[int, list[Any]] = {}
    for index, component in enumerate(components):
        where = f"template['components'][{index}]"
        if not isinstance(component, dict):
            raise invalid_value(f"{where} must be an object")
        kind = str(component.get("type", "")).lower()
        parameters = component.get("parameters", [])
        if not isinstance(parameters, list):
            raise invalid_value(f"{where}['parameters'] must be an array")
        for p_index, parameter in enumerate(parameters):
            _check_parameter(ctx, number, parameter, f"{where}['parameters'][{p_index}]")
        if kind in ("header", "body"):
            given[kind] = parameters
        elif kind == "button":
            button_index = component.get("index")
            try:
                button_index = int(button_index)
            except (TypeError, ValueError):
                raise missing_parameter(f"{where}['index']") from None
            if button_index not in expected.buttons:
                raise invalid_value(f"{where}['index']: the template has no button {button_index}")
            buttons[button_index] = parameters
        else:
            raise invalid_value(f"{where}['type'] must be header, body or button")
    for kind in ("header", "body"):
        count = getattr(expected, kind)
        if len(given[kind]) != count:
            raise _mismatch(kind, len(given[kind]), count)
    for index, (button_type, required) in expected.buttons.items():
        count = len(buttons.get(index, []))
        if (required and count != 1) or count > 1:
            raise _mismatch(f"button {index} ({button_type})", count, 1 if required else 0)
    header_format = expected.header_format
    if header_format in ("image", "video", "document", "location") and given["header"][0].get("type") != header_format:
        raise graph_error(400, 132012, "(#132012) Parameter format does not match format in the created template",
                          f"header: expected a {header_format} parameter")
    if expected.named:
        _check_names(given["body"], expected.body_names, "body")
        _check_names(given["header"], expected.header_names, "header")


def _check_names(parameters: list[Any], names: list[str], where: str) -> None:
    given = [p.get("parameter_name") for p in parameters if isinstance(p, dict)]
    if any(not name for name in given):
        raise missing_parameter(f"{where} parameter_name")
    if sorted(given) != sorted(names):
        raise graph_error(400, 132000, "(#132000) Number of parameters does not match the expected number of params",
                          f"{where}: parameter names {sorted(given)} do not match the template's {sorted(names)}")


def _check_parameter(ctx: Context, number: SimNumber, parameter: Any, where: str) -> None:
    if not isinstance(parameter, dict):
        raise invalid_value(f"{where} must be an object")
    kind = parameter.get("type")
    if kind not in PARAMETER_TYPES:
        raise invalid_value(f"{where}['type'] must be one of {', '.join(PARAMETER_TYPES)}")
    if kind in ("text", "payload", "coupon_code"):
        value = parameter.get(kind)
        if not isinstance(value, str) or not value:
            raise missing_parameter(f"{where}['{kind}']")
    elif kind in ("currency", "date_time"):
        value = parameter.get(kind)
        if not isinstance(value, dict) or not value.get("fallback_value"):
            raise missing_parameter(f"{where}['{kind}']['fallback_value']")
        if kind == "currency" and (not value.get("code") or not isinstance(value.get("amount_1000"), int)):
            raise missing_parameter(f"{where}['currency']['code'] and ['amount_1000']")
    elif kind in ("image", "video", "document"):
        error = check_media(ctx, number, kind, parameter.get(kind), f"{where}['{kind}']")
        if error is not None:
            raise graph_error(400, 131053, "(#131053) Media upload error", error["error_data"]["details"])
    elif kind == "location":
        check_location(parameter.get("location"), f"{where}['location']")
