"""What a send of a template must carry, derived from the template's own placeholders, and the
``components[]`` Meta expects for it (docs/cloudapi.md §3, "Sending").

:func:`send_slots` lists every value a send needs (one per header/body variable, the header
media or location, the URL button's suffix, the copy code, the flow token, the one-time
password); :func:`build_components` turns the values into Meta's payload; and
:func:`check_components` compares a payload with the template again before it is queued, so a
parameter-count mismatch (132000) can never come from us. Pure: no Django, no network.
"""

from dataclasses import dataclass
from typing import Any

from cloudapi.media_kinds import HEADER_KINDS as HEADER_MEDIA_FORMATS

from .placeholders import buttons, component, examples, fill, ordered, placeholders

AUTH_TEXT = "{code} is your verification code."


class Unsendable(Exception):
    """The template has a part Switchboard cannot fill; sending it would fail at Meta."""


class ParameterMismatch(Exception):
    """A payload that does not match the template's placeholders (what Meta answers 132000 to)."""


@dataclass(frozen=True)
class Slot:
    """One value a send must (or may) supply."""

    key: str  # form field name: header_1, body_first_name, header_media, button_0_url, otp_code …
    component: str  # header, body or button
    kind: str  # text, image, video, document, location, url, coupon_code, flow, otp
    name: str = ""  # the placeholder's name ("1", "first_name")
    index: int | None = None  # the button's position
    example: str = ""
    required: bool = True
    label: str = ""
    flow_id: str = ""  # a FLOW button's flow (by Meta id, or by name): the send generates its token
    flow_name: str = ""


def send_slots(*, components: list[dict], parameter_format: str, category: str) -> list[Slot]:
    """Every value a send of this template needs, in form order; raises :class:`Unsendable`."""
    for item in components or []:
        kind = str(item.get("type", "")).upper() if isinstance(item, dict) else ""
        if kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS"):
            raise Unsendable(f"This template has a {kind.lower() or 'strange'} component Switchboard can't fill yet.")
    if category == "AUTHENTICATION":
        return _auth_slots(components)
    return _header_slots(components, parameter_format) + _body_slots(components, parameter_format) + _button_slots(components)


def _auth_slots(components: list[dict]) -> list[Slot]:
    for index, button in enumerate(buttons(components)):
        if str(button.get("type", "")).upper() not in ("OTP", "URL"):
            raise Unsendable(f"This authentication template has a {button.get('type')} button Switchboard can't fill.")
    return [Slot(key="otp_code", component="body", kind="otp", example="123456", label="One-time password")]


def _header_slots(components: list[dict], parameter_format: str) -> list[Slot]:
    header = component(components, "HEADER")
    if header is None:
        return []
    header_format = str(header.get("format", "TEXT")).upper()
    if header_format == "TEXT":
        sample = examples(header, "header_text", parameter_format)
        return [
            Slot(key=f"header_{name}", component="header", kind="text", name=name, example=sample.get(name, ""),
                 label=f"Header {{{{{name}}}}}")
            for name in placeholders(header.get("text"))
        ]
    if header_format == "LOCATION":
        return [Slot(key="header_location", component="header", kind="location", label="Header location")]
    kind = "video" if header_format == "GIF" else header_format.lower()
    if kind not in HEADER_MEDIA_FORMATS:
        raise Unsendable(f"This template has a {header_format} header Switchboard can't fill yet.")
    return [Slot(key="header_media", component="header", kind=kind, label=f"Header {kind}")]


def _body_slots(components: list[dict], parameter_format: str) -> list[Slot]:
    body = component(components, "BODY") or {}
    sample = examples(body, "body_text", parameter_format)
    names = ordered(placeholders(body.get("text")), parameter_format)
    return [
        Slot(key=f"body_{name}", component="body", kind="text", name=name, example=sample.get(name, ""),
             label=f"Body {{{{{name}}}}}")
        for name in names
    ]


def _button_slots(components: list[dict]) -> list[Slot]:
    slots = []
    for index, button in enumerate(buttons(components)):
        button_type = str(button.get("type", "")).upper()
        label = button.get("text") or button_type.replace("_", " ").lower()
        example = button.get("example")
        example = str(example[0]) if isinstance(example, list) and example else str(example or "")
        if button_type == "URL" and placeholders(button.get("url")):
            slots.append(Slot(key=f"button_{index}_url", component="button", kind="url", name="1", index=index,
                              example=example, label=f"“{label}” link ending"))
        elif button_type == "COPY_CODE":
            slots.append(Slot(key=f"button_{index}_coupon_code", component="button", kind="coupon_code",
                              index=index, example=example, label="Offer code"))
        elif button_type == "FLOW":
            # Not typed: the send issues a token for the conversation and this flow.
            slots.append(Slot(key=f"button_{index}_flow_token", component="button", kind="flow", index=index,
                              required=False, label=f"“{label}” flow token",
                              flow_id=str(button.get("flow_id") or ""), flow_name=str(button.get("flow_name") or "")))
        elif button_type not in ("QUICK_REPLY", "URL", "PHONE_NUMBER"):
            raise Unsendable(f"This template has a {button_type} button Switchboard can't fill yet.")
    return slots


# Building and checking the payload ------------------------------------------------------------------


def missing_values(slots: list[Slot], values: dict[str, Any]) -> dict[str, str]:
    """``{key: message}`` for each required value not given."""
    return {
        slot.key: f"Give a value for {slot.label}." if slot.kind not in HEADER_MEDIA_FORMATS + ("location",)
        else f"Give the {slot.label.lower()}."
        for slot in slots
        if slot.required and not _given(values.get(slot.key))
    }


def build_components(
    slots: list[Slot], values: dict[str, Any], *, parameter_format: str, template_components: list[dict]
) -> list[dict]:
    """Meta's ``template.components`` for these values (validated with :func:`missing_values` first)."""
    header, body, button_parts = [], [], []
    named = parameter_format == "NAMED"
    for slot in slots:
        value = values.get(slot.key)
        if slot.kind == "otp":
            body.append({"type": "text", "text": value})
            button_parts += _auth_buttons(template_components, value)
            continue
        if slot.component in ("header", "body"):
            parameter = _parameter(slot, value, named=named)
            (header if slot.component == "header" else body).append(parameter)
        elif _given(value):
            button_parts.append(_button_parameter(slot, value))
    result = []
    if header:
        result.append({"type": "header", "parameters": header})
    if body:
        result.append({"type": "body", "parameters": body})
    return result + button_parts


def _auth_buttons(components: list[dict], code: str) -> list[dict]:
    """The one-time password button takes the same code, as a ``url`` button parameter."""
    result = []
    for index, button in enumerate(buttons(components)):
        if str(button.get("type", "")).upper() in ("OTP", "URL"):
            result.append({"type": "button", "sub_type": "url", "index": str(index),
                           "parameters": [{"type": "text", "text": code}]})
    return result


def _parameter(slot: Slot, value: Any, *, named: bool) -> dict:
    if slot.kind == "text":
        parameter = {"type": "text", "text": value}
        if named:
            parameter["parameter_name"] = slot.name
        return parameter
    return {"type": slot.kind, slot.kind: value}


def _button_parameter(slot: Slot, value: Any) -> dict:
    if slot.kind == "url":
        sub_type, parameter = "url", {"type": "text", "text": value}
    elif slot.kind == "coupon_code":
        sub_type, parameter = "copy_code", {"type": "coupon_code", "coupon_code": value}
    else:
        sub_type, parameter = "flow", {"type": "action", "action": {"flow_token": value}}
    return {"type": "button", "sub_type": sub_type, "index": str(slot.index), "parameters": [parameter]}


def check_components(slots: list[Slot], payload: list[dict], *, parameter_format: str, template_components: list[dict]) -> None:
    """Raise :class:`ParameterMismatch` unless ``payload`` carries exactly what the template expects."""
    counts = {"header": 0, "body": 0}
    names = {"header": [], "body": []}
    button_params: dict[int, int] = {}
    for part in payload:
        kind = part.get("type")
        parameters = part.get("parameters") or []
        if kind in counts:
            counts[kind] += len(parameters)
            names[kind] += [p.get("parameter_name") for p in parameters]
            if kind == "header" and parameters and parameters[0].get("type") != _header_kind(slots):
                raise ParameterMismatch("The header parameter is not the kind the template's header is.")
        elif kind == "button":
            button_params[int(part["index"])] = len(parameters)
        else:
            raise ParameterMismatch(f"Unknown component {kind!r} in the send.")
    for kind in ("header", "body"):
        expected = [slot for slot in slots if slot.component == kind]
        if counts[kind] != len(expected):
            raise ParameterMismatch(f"The {kind} needs {len(expected)} parameter(s); the send has {counts[kind]}.")
        if parameter_format == "NAMED" and expected and expected[0].kind == "text":
            if sorted(n or "" for n in names[kind]) != sorted(slot.name for slot in expected):
                raise ParameterMismatch(f"The {kind}'s parameter names do not match the template's.")
    required_buttons = {slot.index for slot in slots if slot.component == "button" and slot.required}
    if any(slot.kind == "otp" for slot in slots):
        required_buttons = {i for i, b in enumerate(buttons(template_components))
                            if str(b.get("type", "")).upper() in ("OTP", "URL")}
    allowed_buttons = required_buttons | {slot.index for slot in slots if slot.component == "button"}
    for index in required_buttons:
        if button_params.get(index) != 1:
            raise ParameterMismatch(f"Button {index + 1} needs one parameter.")
    for index, count in button_params.items():
        if index not in allowed_buttons or count != 1:
            raise ParameterMismatch(f"Button {index + 1} takes no parameter.")


def _header_kind(slots: list[Slot]) -> str:
    header = [slot for slot in slots if slot.component == "header"]
    return header[0].kind if header else ""


def render_text(*, components: list[dict], parameter_format: str, category: str, values: dict[str, Any]) -> str:
    """The body as the customer reads it, for the conversation thread."""
    if category == "AUTHENTICATION":
        return AUTH_TEXT.format(code=values.get("otp_code", ""))
    body = component(components, "BODY") or {}
    filled = {slot_name[len("body_"):]: value for slot_name, value in values.items()
              if slot_name.startswith("body_") and isinstance(value, str)}
    return fill(body.get("text") or "", filled)


def _given(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, dict):
        return any(v not in (None, "") for v in value.values())
    return value is not None
