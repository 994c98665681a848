"""Meta's rules for a template's name, category, language and components (docs/cloudapi.md §3), and
what a send of a stored template must supply for each placeholder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import GraphError, graph_error

NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAMED_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "GIF", "LOCATION")
COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
# Button type → how many a template may have.
BUTTON_LIMITS = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1, "FLOW": 1,
                 "CATALOG": 1, "MPM": 1, "SPM": 1, "VOICE_CALL": 1, "APP": 1}
_LABELLED_BUTTONS = ("QUICK_REPLY", "URL", "PHONE_NUMBER", "FLOW", "VOICE_CALL")


def template_error(details: str, *, subcode: int | None = None, title: str = "Invalid template") -> GraphError:
    """Meta's 100 for a template that breaks a rule, with the reason in details and the user message."""
    return graph_error(400, 100, "Invalid parameter", details, subcode=subcode, user_title=title, user_msg=details)


def placeholders(text: Any) -> list[str]:
    """The distinct placeholder names of ``text`` in order of appearance (``{{1}}`` → ``"1"``)."""
    found: list[str] = []
    for name in PLACEHOLDER_RE.findall(text if isinstance(text, str) else ""):
        if name not in found:
            found.append(name)
    return found


@dataclass
class Expected:
    """What a send must supply: parameter counts per component and which buttons need one."""

    header: int = 0
    body: int = 0
    header_format: str | None = None
    named: bool = False
    header_names: list[str] = field(default_factory=list)
    body_names: list[str] = field(default_factory=list)
    buttons: dict[int, tuple[str, bool]] = field(default_factory=dict)


def expected_params(template: dict[str, Any]) -> Expected:
    """The parameters a send of the stored ``template`` must carry."""
    expected = Expected(named=template.get("parameter_format") == "NAMED")
    for component in template.get("components", []):
        kind = component.get("type")
        if kind == "HEADER":
            header_format = component.get("format", "TEXT")
            if header_format == "TEXT":
                expected.header_names = placeholders(component.get("text"))
                expected.header = len(expected.header_names)
            else:
                expected.header = 1
                expected.header_format = "video" if header_format == "GIF" else header_format.lower()
        elif kind == "BODY":
            expected.body_names = placeholders(component.get("text"))
            expected.body = len(expected.body_names)
            if "text" not in component and template.get("category") == "AUTHENTICATION":
                expected.body = 1  # the one-time code
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons", [])):
                button_type = button.get("type")
                required = (button_type == "URL" and bool(placeholders(button.get("url")))) or \
                    button_type in ("COPY_CODE", "OTP")
                expected.buttons[index] = (button_type, required)
    return expected


def validate_definition(data: dict[str, Any], *, handle_known: Callable[[str], bool]) -> dict[str, Any]:
    """Check a create request; returns the normalised template fields (upper-case types)."""
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise template_error("name must be 1 to 512 lowercase letters, digits or underscores")
    language = data.get("language")
    if not isinstance(language, str) or not LANGUAGE_RE.match(language):
        raise template_error("language must be a language code such as en, en_US or pt_BR")
    category = normalise_category(data.get("category"))
    parameter_format = str(data.get("parameter_format") or "POSITIONAL").upper()
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise template_error("parameter_format must be POSITIONAL or NAMED")
    components = validate_components(data.get("components"), category=category,
                                     parameter_format=parameter_format, handle_known=handle_known)
    fields = {"name": name, "language": language, "category": category, "parameter_format": parameter_format,
              "components": components, "message_send_ttl_seconds": check_ttl(data.get("message_send_ttl_seconds"))}
    sub_category = data.get("sub_category")
    if sub_category is not None:
        # Kept as given (e.g. ORDER_DETAILS) so a read answers it; Meta's full list is unconfirmed.
        if not isinstance(sub_category, str) or not sub_category.strip():
            raise template_error("sub_category must be a non-empty string such as ORDER_DETAILS")
        fields["sub_category"] = sub_category.strip().upper()
    return fields


def normalise_category(category: Any) -> str:
    """The category in upper case, if it is one of Meta's three."""
    if not isinstance(category, str) or category.upper() not in CATEGORIES:
        raise template_error(f"category must be one of {', '.join(CATEGORIES)}")
    return category.upper()


def check_ttl(ttl: Any) -> int | None:
    """``message_send_ttl_seconds``: absent, or a positive whole number of seconds."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        raise template_error("message_send_ttl_seconds must be a positive integer")
    return ttl


def validate_components(
    components: Any, *, category: str, parameter_format: str, handle_known: Callable[[str], bool]
) -> list[dict[str, Any]]:
    """Check the components (BODY required, one of each type) and return them with upper-case types."""
    if not isinstance(components, list) or not components:
        raise template_error("components is required: at least a BODY component")
    seen: dict[str, dict[str, Any]] = {}
    normalised = []
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            raise template_error(f"components[{index}] must be an object")
        kind = str(component.get("type", "")).upper()
        if kind not in COMPONENT_TYPES:
            raise template_error(f"components[{index}]['type'] must be one of {', '.join(COMPONENT_TYPES)}")
        if kind in seen:
            raise template_error(f"components: only one {kind} component is allowed")
        component = {**component, "type": kind}
        seen[kind] = component
        normalised.append(component)
    if "BODY" not in seen:
        raise template_error("components: a BODY component is required")
    for kind, component in seen.items():
        where = f"components[{normalised.index(component)}]"
        if kind == "HEADER":
            _check_header(component, where, category, parameter_format, handle_known)
        elif kind == "BODY":
            _check_body(component, where, category, parameter_format)
        elif kind == "FOOTER":
            _check_footer(component, where, category)
        else:
            _check_buttons(component, where)
    return normalised


def _check_header(component: dict[str, Any], where: str, category: str, parameter_format: str,
                  handle_known: Callable[[str], bool]) -> None:
    header_format = str(component.get("format", "")).upper()
    if header_format not in HEADER_FORMATS:
        raise template_error(f"{where}['format'] must be one of {', '.join(HEADER_FORMATS)}")
    component["format"] = header_format
    example = component.get("example") if isinstance(component.get("example"), dict) else {}
    if header_format == "TEXT":
        text = _text(component, where, 60)
        names = _check_placeholders(text, where, parameter_format)
        if len(names) > 1:
            raise template_error(f"{where}['text']: a header may have at most 1 parameter")
        _check_examples(names, example, "header_text", where, parameter_format, nested=False)
    elif header_format == "LOCATION":
        if category == "AUTHENTICATION":
            raise template_error(f"{where}: LOCATION headers are for UTILITY and MARKETING templates")
    else:
        handles = example.get("header_handle")
        if not isinstance(handles, list) or not handles or not all(isinstance(h, str) for h in handles):
            raise template_error(f"{where}['example']['header_handle'] is required for a {header_format} header "
                                 "(a handle from the Resumable Upload API)")
        if not all(handle_known(h) for h in handles):
            raise template_error(f"{where}['example']['header_handle']: unknown upload handle")


def _check_body(component: dict[str, Any], where: str, category: str, parameter_format: str) -> None:
    if category == "AUTHENTICATION" and "text" not in component:
        return  # Meta writes authentication bodies itself
    text = _text(component, where, 1024)
    names = _check_placeholders(text, where, parameter_format)
    stripped = text.strip()
    if names and (PLACEHOLDER_RE.match(stripped) or re.search(r"\{\{[^{}]*\}\}$", stripped)):
        raise template_error(f"{where}['text']: variables can't be at the start or end of the template",
                             subcode=2388299)
    example = component.get("example") if isinstance(component.get("example"), dict) else {}
    _check_examples(names, example, "body_text", where, parameter_format, nested=True)


def _check_footer(component: dict[str, Any], where: str, category: str) -> None:
    if category == "AUTHENTICATION" and "code_expiration_minutes" in component:
        minutes = component["code_expiration_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 90:
            raise template_error(f"{where}['code_expiration_minutes'] must be 1 to 90")
        return
    text = _text(component, where, 60)
    if placeholders(text):
        raise template_error(f"{where}['text']: a footer can't have parameters")


def _check_buttons(component: dict[str, Any], where: str) -> None:
    buttons = component.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise template_error(f"{where}['buttons'] is required")
    if len(buttons) > 10:
        raise template_error(f"{where}['buttons']: {len(buttons)} buttons, max 10")
    counts: dict[str, int] = {}
    for index, button in enumerate(buttons):
        spot = f"{where}['buttons'][{index}]"
        if not isinstance(button, dict):
            raise template_error(f"{spot} must be an object")
        button_type = str(button.get("type", "")).upper()
        if button_type not in BUTTON_LIMITS:
            raise template_error(f"{spot}['type'] must be one of {', '.join(BUTTON_LIMITS)}")
        button["type"] = button_type
        counts[button_type] = counts.get(button_type, 0) + 1
        if counts[button_type] > BUTTON_LIMITS[button_type]:
            raise template_error(f"{where}['buttons']: at most {BUTTON_LIMITS[button_type]} {button_type} buttons")
        if button_type in _LABELLED_BUTTONS or "text" in button:
            _text(button, spot, 25)
        _check_button(button, button_type, spot)
    positions = [i for i, button in enumerate(buttons) if button["type"] == "QUICK_REPLY"]
    if positions and len(positions) < len(buttons):
        contiguous = positions == list(range(positions[0], positions[-1] + 1))
        at_an_end = positions[0] == 0 or positions[-1] == len(buttons) - 1
        if not (contiguous and at_an_end):
            raise template_error(f"{where}['buttons']: quick reply buttons must be grouped before or after the others")


def _check_button(button: dict[str, Any], button_type: str, spot: str) -> None:
    if button_type == "URL":
        url = button.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise template_error(f"{spot}['url'] must be an http(s) URL of at most 2000 characters")
        names = placeholders(url)
        if names and (names != ["1"] or not url.endswith("}}")):
            raise template_error(f"{spot}['url']: only one {{{{1}}}} parameter, at the end, is allowed")
        if names and not (isinstance(button.get("example"), list) and button["example"]):
            raise template_error(f"{spot}['example'] is required for a URL with a parameter")
    elif button_type == "PHONE_NUMBER":
        number = button.get("phone_number")
        if not isinstance(number, str) or not number or len(number) > 20:
            raise template_error(f"{spot}['phone_number'] is required (at most 20 characters)")
    elif button_type == "COPY_CODE":
        example = button.get("example")
        if not isinstance(example, str) or not example or len(example) > 15:
            raise template_error(f"{spot}['example'] is required (at most 15 characters)")
    elif button_type == "OTP":
        if button.get("otp_type") not in ("COPY_CODE", "ONE_TAP", "ZERO_TAP"):
            raise template_error(f"{spot}['otp_type'] must be COPY_CODE, ONE_TAP or ZERO_TAP")
    elif button_type == "FLOW":
        if not any(button.get(key) for key in ("flow_id", "flow_name", "flow_json")):
            raise template_error(f"{spot}: one of flow_id, flow_name or flow_json is required")


def _text(component: dict[str, Any], where: str, maximum: int) -> str:
    text = component.get("text")
    if not isinstance(text, str) or not text.strip():
        raise template_error(f"{where}['text'] is required")
    if len(text) > maximum:
        raise template_error(f"{where}['text'] is too long: {len(text)} characters, max {maximum}")
    return text


def _check_placeholders(text: str, where: str, parameter_format: str) -> list[str]:
    names = placeholders(text)
    if parameter_format == "POSITIONAL":
        if any(not name.isdigit() for name in names):
            raise template_error(f"{where}['text']: positional parameters look like {{{{1}}}}, {{{{2}}}}…")
        if sorted(int(name) for name in names) != list(range(1, len(names) + 1)):
            raise template_error(f"{where}['text']: parameters must be numbered {{{{1}}}} to {{{{{len(names)}}}}} "
                                 "without gaps")
    elif any(not NAMED_RE.match(name) for name in names):
        raise template_error(f"{where}['text']: named parameters use lowercase letters, digits and underscores")
    return names


def _check_examples(names: list[str], example: dict[str, Any], key: str, where: str, parameter_format: str,
                    *, nested: bool) -> None:
    if not names:
        return
    if parameter_format == "NAMED":
        given = example.get(f"{key}_named_params")
        found = {item.get("param_name") for item in given if isinstance(item, dict) and item.get("example")} \
            if isinstance(given, list) else set()
        missing = [name for name in names if name not in found]
        if missing:
            raise template_error(f"{where}['example']['{key}_named_params']: no example for {', '.join(missing)}")
        return
    values = example.get(key)
    if nested and isinstance(values, list) and values:
        values = values[0]
    if not isinstance(values, list) or len(values) != len(names) or not all(isinstance(v, str) and v for v in values):
        raise template_error(f"{where}['example']['{key}'] must give one example for each of the "
                             f"{len(names)} parameter(s)")
