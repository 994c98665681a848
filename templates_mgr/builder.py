"""The builder's flat fields ↔ Meta's ``components[]``. Pure: no Django, no database.

The builder form has one field per thing a template manager types (``header_text``,
``body_example_1``, ``button_2_url`` …); Meta takes nested components. :func:`components_from_fields`
goes one way (for validation, preview and submit), :func:`fields_from_components` the other
(to edit a template or a draft).
"""

import re
from collections.abc import Mapping
from typing import Any

from .placeholders import buttons, component, examples, ordered, placeholders
from .rules import MEDIA_FORMATS

BUTTON_ROWS = 10
BUTTON_FIELDS = ("type", "text", "url", "example", "phone_number", "otp_type", "flow_id", "flow_action", "navigate_screen")
# Only these can be form field names; anything else is reported by the rules on the text itself.
FIELDABLE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


BUILT_BUTTONS = ("QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", "FLOW")


def unsupported(components: list[dict]) -> str:
    """Why the builder can't show these components faithfully (so editing here would lose parts)."""
    for item in components or []:
        kind = str(item.get("type", "")).upper() if isinstance(item, dict) else ""
        if kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            return f"It has a {kind.lower() or 'strange'} component the builder can't edit; edit it in WhatsApp Manager."
    header = component(components, "HEADER")
    if header is not None and str(header.get("format", "TEXT")).upper() not in ("TEXT", *MEDIA_FORMATS, "LOCATION"):
        return f"Its {header.get('format')} header can't be edited here; edit it in WhatsApp Manager."
    kinds = {str(b.get("type", "")).upper() for b in buttons(components)} - set(BUILT_BUTTONS)
    if kinds:
        return f"Its {', '.join(sorted(kinds))} button can't be edited here; edit it in WhatsApp Manager."
    if len(buttons(components)) > BUTTON_ROWS:
        return f"It has more than {BUTTON_ROWS} buttons, which the builder can't show."
    return ""


def variables(text: Any) -> list[str]:
    """The placeholder names of ``text`` that can carry an example field, in order of appearance."""
    return [name for name in placeholders(text) if FIELDABLE.match(name)]


def components_from_fields(values: Mapping[str, Any]) -> tuple[list[dict], dict[int, int]]:
    """Meta's components for the builder's values, and which form row each button came from
    (``{button position: row}``), so an error about button 2 lands on the row the user filled."""
    parameter_format = _text(values, "parameter_format") or "POSITIONAL"
    category = _text(values, "category")
    components: list[dict] = []
    header = _header(values, parameter_format)
    if header:
        components.append(header)
    if category == "AUTHENTICATION":
        components += _auth_body_and_footer(values)
    else:
        components.append(_body(values, parameter_format))
        footer = _text(values, "footer_text")
        if footer:
            components.append({"type": "FOOTER", "text": footer})
    items, rows = _buttons(values)
    if items:
        components.append({"type": "BUTTONS", "buttons": items})
    return components, rows


def _header(values: Mapping[str, Any], parameter_format: str) -> dict | None:
    header_format = _text(values, "header_format").upper()
    if not header_format:
        return None
    header: dict[str, Any] = {"type": "HEADER", "format": header_format}
    if header_format == "TEXT":
        header["text"] = _text(values, "header_text", strip=False)
        names = variables(header["text"])[:1]
        if names:
            header["example"] = _examples(values, "header", names, parameter_format, nested=False)
    elif header_format in MEDIA_FORMATS and _text(values, "header_handle"):
        header["example"] = {"header_handle": [_text(values, "header_handle")]}
    return header


def _body(values: Mapping[str, Any], parameter_format: str) -> dict:
    text = _text(values, "body_text", strip=False)
    body: dict[str, Any] = {"type": "BODY", "text": text}
    names = ordered(variables(text), parameter_format)
    if names:
        body["example"] = _examples(values, "body", names, parameter_format, nested=True)
    return body


def _auth_body_and_footer(values: Mapping[str, Any]) -> list[dict]:
    body: dict[str, Any] = {"type": "BODY"}
    if values.get("add_security_recommendation") in (True, "on", "true", "1"):
        body["add_security_recommendation"] = True
    result = [body]
    minutes = values.get("code_expiration_minutes")
    footer_text = _text(values, "footer_text")
    if minutes not in (None, "") or footer_text:
        footer: dict[str, Any] = {"type": "FOOTER"}
        if minutes not in (None, ""):
            footer["code_expiration_minutes"] = _int_or_text(minutes)
        if footer_text:
            footer["text"] = footer_text  # the rules say authentication footers have no text
        result.append(footer)
    return result


def _examples(values: Mapping[str, Any], prefix: str, names: list[str], parameter_format: str, *, nested: bool) -> dict:
    given = [_text(values, f"{prefix}_example_{name}") for name in names]
    if parameter_format == "NAMED":
        return {f"{prefix}_text_named_params": [{"param_name": n, "example": v} for n, v in zip(names, given)]}
    return {f"{prefix}_text": [given] if nested else given}


def _buttons(values: Mapping[str, Any]) -> tuple[list[dict], dict[int, int]]:
    items, rows = [], {}
    for row in range(BUTTON_ROWS):
        button_type = _text(values, f"button_{row}_type").upper()
        if not button_type:
            continue
        rows[len(items)] = row
        items.append(_button(values, row, button_type))
    return items, rows


def _button(values: Mapping[str, Any], row: int, button_type: str) -> dict:
    def get(name: str) -> str:
        return _text(values, f"button_{row}_{name}")

    button: dict[str, Any] = {"type": button_type}
    if get("text"):
        button["text"] = get("text")
    if button_type == "URL":
        button["url"] = get("url")
        if get("example"):
            button["example"] = [get("example")]
    elif button_type == "PHONE_NUMBER":
        button["phone_number"] = get("phone_number")
    elif button_type == "COPY_CODE":
        button["example"] = get("example")
    elif button_type == "OTP":
        button["otp_type"] = get("otp_type")
    elif button_type == "FLOW":
        button["flow_id"] = get("flow_id")
        button["flow_action"] = get("flow_action") or "navigate"
        if get("navigate_screen"):
            button["navigate_screen"] = get("navigate_screen")
    return button


# Components → fields -------------------------------------------------------------------------------


def fields_from_components(components: list[dict], *, parameter_format: str, category: str) -> dict[str, Any]:
    """The builder's initial values for a template's components (the reverse of the above)."""
    fields: dict[str, Any] = {}
    header = component(components, "HEADER")
    if header is not None:
        fields["header_format"] = str(header.get("format", "TEXT")).upper()
        fields["header_text"] = header.get("text") or ""
        for name, value in examples(header, "header_text", parameter_format).items():
            fields[f"header_example_{name}"] = value
        handles = (header.get("example") or {}).get("header_handle") if isinstance(header.get("example"), dict) else None
        if isinstance(handles, list) and handles:
            fields["header_handle"] = handles[0]
    body = component(components, "BODY") or {}
    fields["body_text"] = body.get("text") or ""
    fields["add_security_recommendation"] = bool(body.get("add_security_recommendation"))
    for name, value in examples(body, "body_text", parameter_format).items():
        fields[f"body_example_{name}"] = value
    footer = component(components, "FOOTER") or {}
    fields["footer_text"] = footer.get("text") or ""
    fields["code_expiration_minutes"] = footer.get("code_expiration_minutes")
    for row, button in enumerate(buttons(components)[:BUTTON_ROWS]):
        example = button.get("example")
        fields.update(
            {
                f"button_{row}_type": str(button.get("type", "")).upper(),
                f"button_{row}_text": button.get("text") or "",
                f"button_{row}_url": button.get("url") or "",
                f"button_{row}_example": example[0] if isinstance(example, list) and example else (example or ""),
                f"button_{row}_phone_number": button.get("phone_number") or "",
                f"button_{row}_otp_type": button.get("otp_type") or "",
                f"button_{row}_flow_id": button.get("flow_id") or button.get("flow_name") or "",
                f"button_{row}_flow_action": button.get("flow_action") or "",
                f"button_{row}_navigate_screen": button.get("navigate_screen") or "",
            }
        )
    return fields


def _text(values: Mapping[str, Any], key: str, *, strip: bool = True) -> str:
    value = values.get(key)
    if value is None:
        return ""
    value = str(value)
    return value.strip() if strip else value


def _int_or_text(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
