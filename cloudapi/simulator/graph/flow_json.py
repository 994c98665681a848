"""The simulator's Flow JSON validator: refuses what Meta refuses, at the line and column of the bytes uploaded.

Meta answers an upload with HTTP 200 and ``validation_errors`` whose ``line_start``/``column_start`` …
``line_end``/``column_end`` (1-based, the end inclusive) point into the uploaded text, with ``pointers``
giving the JSON path. To do the same the text is parsed here by a small parser that remembers where
each value and key starts and ends; ``json`` would only say where it gave up.

Checked (docs/cloudapi.md §8, Meta's Flow JSON reference): the text is JSON and an object; ``version``
is a known Flow JSON version; ``data_api_version`` (if given) is 3.0 or 4.0; ``screens`` is a non-empty
array of objects, each with a unique string ``id`` (``SUCCESS`` is reserved) and a ``layout`` of type
``SingleColumnLayout`` whose ``children`` are components of a known ``type`` with the properties that type
requires (inside ``Form``, ``If`` and ``Switch`` too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FLOW_JSON_VERSIONS = ("2.1", "3.0", "3.1", "4.0", "5.0", "5.1", "6.0", "6.1", "6.2", "6.3",
                      "7.0", "7.1", "7.2", "7.3")
DATA_API_VERSIONS = ("3.0", "4.0")
LAYOUT_TYPES = ("SingleColumnLayout",)
COMPONENT_TYPES = (
    "TextHeading", "TextSubheading", "TextBody", "TextCaption", "RichText", "TextInput", "TextArea",
    "CheckboxGroup", "RadioButtonsGroup", "ChipsSelector", "Dropdown", "DatePicker", "CalendarPicker",
    "OptIn", "EmbeddedLink", "Footer", "Image", "ImageCarousel", "PhotoPicker", "DocumentPicker",
    "NavigationList", "If", "Switch", "Form",
)
RESERVED_SCREEN_IDS = ("SUCCESS",)
# The properties a component can't do without (Meta's component reference); others are optional.
REQUIRED_PROPERTIES = {
    "TextHeading": ("text",), "TextSubheading": ("text",), "TextBody": ("text",), "TextCaption": ("text",),
    "RichText": ("text",), "TextInput": ("name", "label"), "TextArea": ("name", "label"),
    "CheckboxGroup": ("name", "data-source"), "RadioButtonsGroup": ("name", "data-source"),
    "ChipsSelector": ("name", "label", "data-source"), "Dropdown": ("name", "label", "data-source"),
    "DatePicker": ("name", "label"), "CalendarPicker": ("name", "label"), "OptIn": ("name", "label"),
    "EmbeddedLink": ("text", "on-click-action"), "Footer": ("label", "on-click-action"), "Image": ("src",),
    "ImageCarousel": ("images",), "PhotoPicker": ("name", "label"), "DocumentPicker": ("name", "label"),
    "NavigationList": ("name", "list-items"), "If": ("condition", "then"), "Switch": ("value", "cases"),
    "Form": ("name", "children"),
}


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


@dataclass
class Node:
    """A parsed JSON value with where it is in the text (``end`` is the offset after its last character)."""

    value: Any
    start: int
    end: int
    items: list[Node] = field(default_factory=list)  # array elements
    members: dict[str, tuple[int, int, Node]] = field(default_factory=dict)  # key → (key start, key end, value)

    def member(self, key: str) -> Node | None:
        found = self.members.get(key)
        return found[2] if found else None


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_WHITESPACE = " \t\n\r"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def document(self) -> Node:
        self._skip()
        node = self._value()
        self._skip()
        if self.pos < len(self.text):
            raise JsonSyntaxError("Unexpected content after the end of the JSON value", self.pos)
        return node

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def _value(self) -> Node:
        if self.pos >= len(self.text):
            raise JsonSyntaxError("Unexpected end of the JSON text", self.pos)
        char = self.text[self.pos]
        if char == "{":
            return self._object()
        if char == "[":
            return self._array()
        if char == '"':
            start = self.pos
            return Node(self._string(), start, self.pos)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Node(value, self.pos - len(word), self.pos)
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            literal = match.group()
            return Node(float(literal) if any(c in literal for c in ".eE") else int(literal), match.start(), self.pos)
        raise JsonSyntaxError(f"Unexpected character {char!r}", self.pos)

    def _object(self) -> Node:
        node = Node({}, self.pos, self.pos)
        self.pos += 1
        self._skip()
        if self._take("}"):
            node.end = self.pos
            return node
        while True:
            self._skip()
            if self.pos >= len(self.text) or self.text[self.pos] != '"':
                raise JsonSyntaxError("Expected a property name in double quotes", self.pos)
            key_start = self.pos
            key = self._string()
            key_end = self.pos
            self._skip()
            if not self._take(":"):
                raise JsonSyntaxError("Expected ':' after the property name", self.pos)
            self._skip()
            value = self._value()
            node.members[key] = (key_start, key_end, value)
            node.value[key] = value.value
            self._skip()
            if self._take("}"):
                node.end = self.pos
                return node
            if not self._take(","):
                raise JsonSyntaxError("Expected ',' or '}' after a property value", self.pos)

    def _array(self) -> Node:
        node = Node([], self.pos, self.pos)
        self.pos += 1
        self._skip()
        if self._take("]"):
            node.end = self.pos
            return node
        while True:
            self._skip()
            item = self._value()
            node.items.append(item)
            node.value.append(item.value)
            self._skip()
            if self._take("]"):
                node.end = self.pos
                return node
            if not self._take(","):
                raise JsonSyntaxError("Expected ',' or ']' after an array element", self.pos)

    def _string(self) -> str:
        start = self.pos
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                raise JsonSyntaxError("Unterminated string", start)
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char == "\\":
                escape = self.text[self.pos + 1:self.pos + 2]
                if escape in _ESCAPES:
                    out.append(_ESCAPES[escape])
                    self.pos += 2
                elif escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", self.text[self.pos + 2:self.pos + 6]):
                    out.append(chr(int(self.text[self.pos + 2:self.pos + 6], 16)))
                    self.pos += 6
                else:
                    raise JsonSyntaxError("Invalid escape in a string", self.pos)
                continue
            if ord(char) < 0x20:
                raise JsonSyntaxError("Control character in a string", self.pos)
            out.append(char)
            self.pos += 1

    def _take(self, char: str) -> bool:
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return True
        return False


def parse(text: str) -> Node:
    """The JSON ``text`` as a tree of positioned nodes; raises :class:`JsonSyntaxError`."""
    return _Parser(text).document()


class _Report:
    def __init__(self, text: str) -> None:
        self.text = text
        self.errors: list[dict[str, Any]] = []

    def position(self, offset: int) -> tuple[int, int]:
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1

    def add(self, error: str, error_type: str, message: str, start: int, end: int, path: str | None = None) -> None:
        line_start, column_start = self.position(start)
        line_end, column_end = self.position(max(start, end - 1))
        where = {"line_start": line_start, "line_end": line_end, "column_start": column_start, "column_end": column_end}
        entry = {"error": error, "error_type": error_type, "message": message, **where}
        if path is not None:
            entry["pointers"] = [{**where, "path": path}]
        self.errors.append(entry)

    def missing(self, parent: Node, key: str, path: str) -> None:
        # Meta points a missing property at the object that lacks it: its opening brace.
        self.add("MISSING_REQUIRED_PROPERTY", "JSON_SCHEMA_ERROR", f"The property '{key}' is required.",
                 parent.start, parent.start + 1, path=f"{path}.{key}" if path else key)

    def invalid(self, node: Node, key: str, path: str, why: str = "") -> None:
        message = f"Invalid value found for property '{key}'." + (f" {why}" if why else "")
        self.add("INVALID_PROPERTY_VALUE", "FLOW_JSON_ERROR", message, node.start, node.end, path=path)


def validate(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Meta's ``validation_errors`` for a Flow JSON ``text`` (empty = valid) and the document (``{}``
    when it is not a JSON object)."""
    report = _Report(text)
    try:
        root = parse(text)
    except JsonSyntaxError as exc:
        report.add("INVALID_JSON", "FLOW_JSON_ERROR", f"Invalid JSON: {exc.message}.", exc.offset, exc.offset + 1)
        return report.errors, {}
    if not isinstance(root.value, dict):
        report.add("INVALID_JSON", "JSON_SCHEMA_ERROR", "The Flow JSON must be an object.", root.start, root.start + 1)
        return report.errors, {}
    _check_versions(report, root)
    screens = root.member("screens")
    if screens is None:
        report.missing(root, "screens", "")
    elif not isinstance(screens.value, list) or not screens.items:
        report.invalid(screens, "screens", "screens", "It must be a non-empty array of screens.")
    else:
        seen: set[str] = set()
        for index, screen in enumerate(screens.items):
            _check_screen(report, screen, f"screens[{index}]", seen)
    return report.errors, root.value


def _check_versions(report: _Report, root: Node) -> None:
    version = root.member("version")
    if version is None:
        report.missing(root, "version", "")
    elif version.value not in FLOW_JSON_VERSIONS:
        report.invalid(version, "version", "version", f"Supported versions: {', '.join(FLOW_JSON_VERSIONS)}.")
    data_api = root.member("data_api_version")
    if data_api is not None and data_api.value not in DATA_API_VERSIONS:
        report.invalid(data_api, "data_api_version", "data_api_version",
                       f"Supported versions: {', '.join(DATA_API_VERSIONS)}.")


def _check_screen(report: _Report, screen: Node, path: str, seen: set[str]) -> None:
    if not isinstance(screen.value, dict):
        report.invalid(screen, "screens", path, "Each screen must be an object.")
        return
    screen_id = screen.member("id")
    if screen_id is None:
        report.missing(screen, "id", path)
    elif not isinstance(screen_id.value, str) or not screen_id.value.strip():
        report.invalid(screen_id, "id", f"{path}.id", "A screen id is a non-empty string.")
    elif screen_id.value in RESERVED_SCREEN_IDS:
        report.invalid(screen_id, "id", f"{path}.id", f"'{screen_id.value}' is a reserved screen id.")
    elif screen_id.value in seen:
        report.invalid(screen_id, "id", f"{path}.id", f"Screen id '{screen_id.value}' is used twice.")
    else:
        seen.add(screen_id.value)
    layout = screen.member("layout")
    if layout is None:
        report.missing(screen, "layout", path)
        return
    if not isinstance(layout.value, dict):
        report.invalid(layout, "layout", f"{path}.layout", "A layout is an object.")
        return
    layout_type = layout.member("type")
    if layout_type is None:
        report.missing(layout, "type", f"{path}.layout")
    elif layout_type.value not in LAYOUT_TYPES:
        report.invalid(layout_type, "type", f"{path}.layout.type")
    children = layout.member("children")
    if children is None:
        report.missing(layout, "children", f"{path}.layout")
    else:
        _check_children(report, children, f"{path}.layout.children")


def _check_children(report: _Report, children: Node, path: str) -> None:
    if not isinstance(children.value, list):
        report.invalid(children, path.rsplit(".", 1)[-1], path, "It must be an array of components.")
        return
    for index, component in enumerate(children.items):
        _check_component(report, component, f"{path}[{index}]")


def _check_component(report: _Report, component: Node, path: str) -> None:
    if not isinstance(component.value, dict):
        report.invalid(component, "children", path, "Each component must be an object.")
        return
    kind = component.member("type")
    if kind is None:
        report.missing(component, "type", path)
        return
    if kind.value not in COMPONENT_TYPES:
        report.invalid(kind, "type", f"{path}.type")
        return
    for key in REQUIRED_PROPERTIES.get(kind.value, ()):
        if component.member(key) is None:
            report.missing(component, key, path)
    for nested in ("children", "then", "else"):  # Form's children; If's branches
        node = component.member(nested)
        if node is not None:
            _check_children(report, node, f"{path}.{nested}")
    cases = component.member("cases")  # Switch: {value: [components]}
    if cases is not None and isinstance(cases.value, dict):
        for key, (_start, _end, node) in cases.members.items():
            _check_children(report, node, f"{path}.cases.{key}")
