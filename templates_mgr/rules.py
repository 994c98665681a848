"""Meta's rules for a message template (docs/cloudapi.md §3), checked before anything is sent.

One function, :func:`validate_template`, used by the builder form, by submit and by the admin's
"submit drafts" action, so all three give the same message for the same mistake. It returns the
errors keyed by the builder's field names, so each message lands on the field that breaks the
rule:

``name``, ``language``, ``category``, ``parameter_format``; ``header_format``, ``header_text``,
``header_file``, ``header_example_<var>``; ``body_text``, ``body_example_<var>``; ``footer_text``,
``code_expiration_minutes``; ``buttons`` (counts, grouping) and ``button_<i>_<field>`` where
``<i>`` is the button's position (``type``, ``text``, ``url``, ``example``, ``phone_number``,
``otp_type``, ``flow_id``, ``flow_action``); ``__all__`` for the rest.

Pure: no Django, no database, no network.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cloudapi import media_kinds

from .placeholders import NAMED_RE, PLACEHOLDER_RE, buttons, component, examples, ordered, placeholders

NAME_MAX = 512
NAME_RE = re.compile(r"^[a-z0-9_]+$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
PARAMETER_FORMATS = ("POSITIONAL", "NAMED")
HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
MEDIA_FORMATS = tuple(kind.upper() for kind in media_kinds.HEADER_KINDS)
HEADER_TEXT_MAX = 60
BODY_MAX = 1024
FOOTER_MAX = 60
BUTTON_LABEL_MAX = 25
BUTTONS_MAX = 10
URL_MAX = 2000
PHONE_MAX = 20
COPY_CODE_MAX = 15
CODE_EXPIRY_RANGE = (1, 90)
BUTTON_LIMITS = {"QUICK_REPLY": 10, "URL": 2, "PHONE_NUMBER": 1, "COPY_CODE": 1, "OTP": 1, "FLOW": 1}
# Types Meta has that the builder does not make; a synced template may carry them.
OTHER_BUTTON_TYPES = ("CATALOG", "MPM", "SPM", "VOICE_CALL", "APP")
OTP_TYPES = ("COPY_CODE", "ONE_TAP", "ZERO_TAP")
FLOW_ACTIONS = ("navigate", "data_exchange")
LABELLED = ("QUICK_REPLY", "URL", "PHONE_NUMBER", "FLOW")
BUTTON_NAMES = {
    "QUICK_REPLY": "quick reply",
    "URL": "website (URL)",
    "PHONE_NUMBER": "phone number",
    "COPY_CODE": "copy code",
    "OTP": "one-time password",
    "FLOW": "flow",
}
Errors = dict[str, list[str]]


@dataclass(frozen=True)
class HeaderFile:
    """The file chosen as a media header's example; uploaded for a handle only at submit.

    ``content_type`` is what media_lib's checks found in the content, not what the browser said."""

    name: str
    size: int
    content_type: str
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class Definition:
    """A template as Meta takes it, plus the header file not uploaded yet."""

    name: str
    language: str
    category: str
    parameter_format: str = "POSITIONAL"
    components: list[dict[str, Any]] = field(default_factory=list)
    header_file: HeaderFile | None = None


def validate_template(definition: Definition) -> Errors:
    """Every rule ``definition`` breaks, as ``{field: [message, …]}``; empty when Meta should accept it."""
    errors: Errors = defaultdict(list)
    _check_identity(definition, errors)
    category = definition.category if definition.category in CATEGORIES else ""
    parameter_format = definition.parameter_format if definition.parameter_format in PARAMETER_FORMATS else "POSITIONAL"
    components = definition.components if isinstance(definition.components, list) else []
    if _check_component_set(components, errors):
        header = component(components, "HEADER")
        if header is not None:
            _check_header(header, category, parameter_format, definition.header_file, errors)
        _check_body(component(components, "BODY") or {}, category, parameter_format, errors)
        footer = component(components, "FOOTER")
        if footer is not None:
            _check_footer(footer, category, errors)
        _check_buttons(buttons(components), category, errors)
        if category == "AUTHENTICATION" and not any(b.get("type") == "OTP" for b in buttons(components)):
            errors["buttons"].append("An authentication template needs a one-time password (OTP) button.")
    return dict(errors)


def describe_errors(errors: Errors) -> list[str]:
    """The errors as lines that name their field, for places without a form (admin, command line)."""
    lines = []
    for key, messages in errors.items():
        lines.extend(_label(key) + message for message in messages)
    return lines


def _label(key: str) -> str:
    if key == "__all__":
        return ""
    button = re.match(r"^button_(\d+)_(\w+)$", key)
    if button:
        return f"Button {int(button.group(1)) + 1} ({button.group(2).replace('_', ' ')}): "
    if "_example_" in key:
        return "Examples: "
    return {"body_text": "Body", "footer_text": "Footer", "header_format": "Header", "header_file": "Header sample file"}.get(
        key, key.replace("_", " ").capitalize()
    ) + ": "


# Identity ---------------------------------------------------------------------------------------


def _check_identity(definition: Definition, errors: Errors) -> None:
    name = definition.name or ""
    if not name:
        errors["name"].append("Give the template a name.")
    elif len(name) > NAME_MAX:
        errors["name"].append(f"A name has at most {NAME_MAX} characters; this one has {len(name)}.")
    elif not NAME_RE.match(name):
        errors["name"].append("Use only lowercase letters, digits and underscores, e.g. order_update.")
    if not definition.language:
        errors["language"].append("Choose the template's language.")
    elif not LANGUAGE_RE.match(definition.language):
        errors["language"].append("Use a language code such as en, en_US or pt_BR.")
    if definition.category not in CATEGORIES:
        errors["category"].append("Choose Marketing, Utility or Authentication.")
    if definition.parameter_format not in PARAMETER_FORMATS:
        errors["parameter_format"].append("Choose positional ({{1}}) or named ({{first_name}}) parameters.")


def _check_component_set(components: list, errors: Errors) -> bool:
    kinds = [str(item.get("type", "")).upper() for item in components if isinstance(item, dict)]
    if len(kinds) != len(components) or any(kind not in ("HEADER", "BODY", "FOOTER", "BUTTONS") for kind in kinds):
        errors["__all__"].append("Components may only be a header, a body, a footer and buttons.")
        return False
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            errors["__all__"].append(f"A template has at most one {kind.lower()}.")
            return False
    if "BODY" not in kinds:
        errors["body_text"].append("Write the message body: every template needs one.")
        return False
    return True


# Header, body, footer -----------------------------------------------------------------------------


def _check_header(header: dict, category: str, parameter_format: str, file: HeaderFile | None, errors: Errors) -> None:
    header_format = str(header.get("format", "")).upper()
    if category == "AUTHENTICATION":
        errors["header_format"].append("Authentication templates have no header: WhatsApp writes their text.")
        return
    if header_format == "GIF":
        errors["header_format"].append("GIF headers are only for the Marketing Messages API; use a video.")
        return
    if header_format not in HEADER_FORMATS:
        errors["header_format"].append("Choose a text, image, video, document or location header.")
        return
    if header_format == "TEXT":
        text = header.get("text") if isinstance(header.get("text"), str) else ""
        if not text.strip():
            errors["header_text"].append("Write the header text, or choose no header.")
            return
        if len(text) > HEADER_TEXT_MAX:
            errors["header_text"].append(f"A header has at most {HEADER_TEXT_MAX} characters; this one has {len(text)}.")
        names = _check_variables(text, parameter_format, "header_text", errors)
        if len(names) > 1:
            errors["header_text"].append("A header may have only one variable.")
        _check_examples(names[:1], examples(header, "header_text", parameter_format), "header_example", errors)
    elif header_format in MEDIA_FORMATS:
        _check_media_example(header, header_format, file, errors)


def _check_media_example(header: dict, header_format: str, file: HeaderFile | None, errors: Errors) -> None:
    kind = header_format.lower()
    if file is not None:
        allowed, limit = media_kinds.mime_types_of(kind), media_kinds.MAX_BYTES[kind]
        if file.content_type not in allowed:
            kinds = ", ".join(sorted(allowed)) if header_format != "DOCUMENT" else "PDF, text, Word, Excel or PowerPoint"
            errors["header_file"].append(f"An {kind} header must be {kinds}; “{file.name}” is {file.content_type or 'unknown'}.")
        elif file.size > limit:
            errors["header_file"].append(f"An {kind} header may be at most {limit // media_kinds.MB} MB; “{file.name}” is larger.")
        elif file.size == 0:
            errors["header_file"].append(f"“{file.name}” is empty.")
        return
    example = header.get("example") if isinstance(header.get("example"), dict) else {}
    handles = example.get("header_handle")
    if not (isinstance(handles, list) and handles and all(isinstance(h, str) and h for h in handles)):
        errors["header_file"].append(f"Choose a sample {kind} file: Meta's reviewers need an example of the header.")


def _check_body(body: dict, category: str, parameter_format: str, errors: Errors) -> None:
    if category == "AUTHENTICATION":
        return  # WhatsApp writes the text of authentication templates
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    if not text.strip():
        errors["body_text"].append("Write the message body: every template needs one.")
        return
    if len(text) > BODY_MAX:
        errors["body_text"].append(f"The body has at most {BODY_MAX} characters; this one has {len(text)}.")
    names = _check_variables(text, parameter_format, "body_text", errors)
    if names:
        stripped = text.strip()
        if PLACEHOLDER_RE.match(stripped) or re.search(r"\{\{[^{}]*\}\}$", stripped):
            errors["body_text"].append("A variable can't be at the very start or end of the body: add words around it.")
        if re.search(r"\}\}\s*\{\{", text):
            errors["body_text"].append("Two variables are next to each other: put words or punctuation between them.")
    _check_examples(ordered(names, parameter_format), examples(body, "body_text", parameter_format), "body_example", errors)


def _check_footer(footer: dict, category: str, errors: Errors) -> None:
    if category == "AUTHENTICATION":
        minutes = footer.get("code_expiration_minutes")
        if footer.get("text"):
            errors["footer_text"].append("Authentication templates have no footer text; set the code expiry instead.")
        if minutes is not None and (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not CODE_EXPIRY_RANGE[0] <= minutes <= CODE_EXPIRY_RANGE[1]
        ):
            errors["code_expiration_minutes"].append("The code expires after 1 to 90 minutes.")
        return
    if "code_expiration_minutes" in footer:
        errors["code_expiration_minutes"].append("Only authentication templates have a code expiry.")
    text = footer.get("text") if isinstance(footer.get("text"), str) else ""
    if not text.strip():
        errors["footer_text"].append("Write the footer text, or leave the footer out.")
    elif len(text) > FOOTER_MAX:
        errors["footer_text"].append(f"A footer has at most {FOOTER_MAX} characters; this one has {len(text)}.")
    if placeholders(text):
        errors["footer_text"].append("A footer can't have variables.")


def _check_variables(text: str, parameter_format: str, key: str, errors: Errors) -> list[str]:
    """The variables of ``text`` if they follow the template's parameter format (errors otherwise)."""
    names = placeholders(text)
    if "" in names:
        errors[key].append("An empty variable {{}}: write a number or a name inside the braces.")
        return []
    if parameter_format == "POSITIONAL":
        if any(not name.isdigit() for name in names):
            errors[key].append(
                "This template uses positional variables: write {{1}}, {{2}} … "
                "(or switch the parameter format to named)."
            )
            return []
        if sorted(int(name) for name in names) != list(range(1, len(names) + 1)):
            errors[key].append(f"Number the variables {{{{1}}}} to {{{{{len(names)}}}}} without gaps.")
            return []
    elif any(not NAMED_RE.match(name) for name in names):
        errors[key].append(
            "Named variables use lowercase letters, digits and underscores, e.g. {{first_name}} "
            "(or switch the parameter format to positional)."
        )
        return []
    return names


def _check_examples(names: list[str], given: dict[str, str], prefix: str, errors: Errors) -> None:
    for name in names:
        if not str(given.get(name) or "").strip():
            errors[f"{prefix}_{name}"].append(f"Give an example for {{{{{name}}}}}: Meta reviews the template with it.")


# Buttons ------------------------------------------------------------------------------------------


def _check_buttons(items: list[dict], category: str, errors: Errors) -> None:
    if len(items) > BUTTONS_MAX:
        errors["buttons"].append(f"A template has at most {BUTTONS_MAX} buttons; this one has {len(items)}.")
    counts: dict[str, int] = defaultdict(int)
    for index, button in enumerate(items):
        button_type = str(button.get("type", "")).upper()
        counts[button_type] += 1
        _check_button(index, button, button_type, category, errors)
    for button_type, limit in BUTTON_LIMITS.items():
        if counts[button_type] > limit:
            noun = "button" if limit == 1 else "buttons"
            errors["buttons"].append(
                f"At most {limit} {BUTTON_NAMES[button_type]} {noun}; this template has {counts[button_type]}."
            )
    if category == "AUTHENTICATION" and any(n and t != "OTP" for t, n in counts.items()):
        errors["buttons"].append("An authentication template has one one-time password button and no other.")
    types = [str(b.get("type", "")).upper() for b in items]
    quick = [i for i, t in enumerate(types) if t == "QUICK_REPLY"]
    if quick and len(quick) < len(types):
        together = quick == list(range(quick[0], quick[-1] + 1))
        at_an_end = quick[0] == 0 or quick[-1] == len(types) - 1
        if not (together and at_an_end):
            errors["buttons"].append("Keep the quick reply buttons together, before or after all the other buttons.")


def _check_button(index: int, button: dict, button_type: str, category: str, errors: Errors) -> None:
    key = f"button_{index}_"
    if button_type not in BUTTON_LIMITS and button_type not in OTHER_BUTTON_TYPES:
        errors[key + "type"].append("Choose the button's type.")
        return
    label = button.get("text") if isinstance(button.get("text"), str) else ""
    if button_type in LABELLED and not label.strip():
        errors[key + "text"].append("Write the button's label.")
    elif len(label) > BUTTON_LABEL_MAX:
        errors[key + "text"].append(f"A button label has at most {BUTTON_LABEL_MAX} characters; this one has {len(label)}.")
    if button_type == "URL":
        _check_url_button(button, key, errors)
    elif button_type == "PHONE_NUMBER":
        number = str(button.get("phone_number") or "")
        if not number:
            errors[key + "phone_number"].append("Give the phone number to call, with its country code.")
        elif len(number) > PHONE_MAX or not re.fullmatch(r"\+?[0-9][0-9 ()-]*", number):
            errors[key + "phone_number"].append(f"Use digits with the country code, at most {PHONE_MAX} characters, e.g. +15550001234.")
    elif button_type == "COPY_CODE":
        example = button.get("example")
        example = example[0] if isinstance(example, list) and example else example
        if not isinstance(example, str) or not example.strip():
            errors[key + "example"].append("Give an example code (e.g. SAVE25).")
        elif len(example) > COPY_CODE_MAX:
            errors[key + "example"].append(f"An offer code has at most {COPY_CODE_MAX} characters.")
    elif button_type == "OTP":
        if category != "AUTHENTICATION":
            errors[key + "type"].append("One-time password buttons are only for authentication templates.")
        if button.get("otp_type") not in OTP_TYPES:
            errors[key + "otp_type"].append("Choose copy code, one-tap or zero-tap.")
    elif button_type == "FLOW":
        if not any(button.get(k) for k in ("flow_id", "flow_name", "flow_json")):
            errors[key + "flow_id"].append("Give the id of the published flow this button opens.")
        action = button.get("flow_action")
        if action is not None and action not in FLOW_ACTIONS:
            errors[key + "flow_action"].append("The flow action is navigate or data_exchange.")


def _check_url_button(button: dict, key: str, errors: Errors) -> None:
    url = button.get("url") if isinstance(button.get("url"), str) else ""
    if not url:
        errors[key + "url"].append("Give the website address, starting with https://.")
        return
    if not url.startswith(("https://", "http://")) or len(url) > URL_MAX:
        errors[key + "url"].append(f"Use an address starting with https:// of at most {URL_MAX} characters.")
        return
    names = placeholders(url)
    if not names:
        return
    if names != ["1"] or not url.rstrip().endswith("}}") or url.count("{{") > 1:
        errors[key + "url"].append("A website button may have one variable, {{1}}, at the very end of the address.")
        return
    example = button.get("example")
    example = example[0] if isinstance(example, list) and example else example
    if not isinstance(example, str) or not example.strip():
        errors[key + "example"].append("Give an example for the {{1}} at the end of the address.")
