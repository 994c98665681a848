"""Reading a template's placeholders (``{{1}}``, ``{{first_name}}``) and its components, the way
Meta does. Pure functions: no Django, no database."""

import re
from typing import Any

PLACEHOLDER_RE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAMED_RE = re.compile(r"^[a-z_][a-z0-9_]*$")


def placeholders(text: Any) -> list[str]:
    """The distinct placeholder names of ``text`` in order of first appearance (``{{1}}`` → ``"1"``)."""
    found: list[str] = []
    for name in PLACEHOLDER_RE.findall(text if isinstance(text, str) else ""):
        if name not in found:
            found.append(name)
    return found


def ordered(names: list[str], parameter_format: str) -> list[str]:
    """Positional names in number order (Meta's example lists follow ``{{1}}, {{2}}`` …), named as written."""
    if parameter_format == "POSITIONAL" and all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return list(names)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (left as written when there is none)."""

    def _replace(match: re.Match) -> str:
        value = values.get(match.group(1))
        return value if value not in (None, "") else match.group(0)

    return PLACEHOLDER_RE.sub(_replace, text or "")


def component(components: list[dict], kind: str) -> dict | None:
    """The first component of ``kind`` (HEADER, BODY, FOOTER, BUTTONS), types compared in upper case."""
    for item in components or []:
        if isinstance(item, dict) and str(item.get("type", "")).upper() == kind:
            return item
    return None


def buttons(components: list[dict]) -> list[dict]:
    found = component(components, "BUTTONS")
    items = found.get("buttons") if found else None
    return [b for b in items if isinstance(b, dict)] if isinstance(items, list) else []


def examples(item: dict | None, key: str, parameter_format: str) -> dict[str, str]:
    """The example value of each placeholder of a HEADER (``key="header_text"``) or BODY
    (``key="body_text"``) component, by placeholder name."""
    if not item:
        return {}
    example = item.get("example") if isinstance(item.get("example"), dict) else {}
    if parameter_format == "NAMED":
        given = example.get(f"{key}_named_params")
        if not isinstance(given, list):
            return {}
        return {
            str(entry.get("param_name")): str(entry.get("example") or "")
            for entry in given
            if isinstance(entry, dict) and entry.get("param_name")
        }
    values = example.get(key)
    if key == "body_text" and isinstance(values, list) and values and isinstance(values[0], list):
        values = values[0]
    if not isinstance(values, list):
        return {}
    names = ordered(placeholders(item.get("text")), parameter_format)
    if not names:
        names = [str(number) for number in range(1, len(values) + 1)]
    return {name: str(value) for name, value in zip(names, values)}
