"""Graph's ``fields=`` selection, one model for every node the simulator reads.

Each node type names the fields Meta documents for it (docs/cloudapi.md) and the ones it answers
when no ``fields=`` is given. As on Meta: a requested field the node does not have is a 400/100
"Tried accessing nonexisting field"; a documented field is returned whenever the object has a value
for it (Graph leaves out null fields); ``id`` comes back with every node that has one;
``field{a,b}`` narrows an object (or each object of a list) to those keys; modifiers such as
``preview.invalidate(true)`` stay with the field for the endpoint to read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import GraphError, fbtrace_id

_SUBFIELDS_RE = re.compile(r"\{(.*)\}\s*$")


def parse_fields(text: Any) -> dict[str, str]:
    """``"id,name,preview.invalidate(true)"`` → ``{"id": "", "name": "", "preview": ".invalidate(true)"}``.

    Commas inside parentheses or braces do not split; the value keeps each field's modifiers.
    """
    if not isinstance(text, str) or not text.strip():
        return {}
    result: dict[str, str] = {}
    depth, current = 0, ""
    for char in text + ",":
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        if char == "," and depth == 0:
            item = current.strip()
            if item:
                name = item.split(".", 1)[0].split("{", 1)[0].split("(", 1)[0].strip()
                result[name] = item[len(name):]
            current = ""
        else:
            current += char
    return result


def nonexisting_field(name: str, node_type: str) -> GraphError:
    """Meta's answer to ``fields=`` naming a field the node type does not have."""
    return GraphError(400, {
        "message": f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})",
        "type": "OAuthException", "code": 100, "fbtrace_id": fbtrace_id(),
    })


@dataclass(frozen=True)
class Node:
    """A Graph node type: its documented ``fields``, the ``default`` answer, and the fields always sent."""

    type_name: str
    fields: tuple[str, ...]
    default: tuple[str, ...]
    always: tuple[str, ...] = ("id",)

    def requested(self, query: Mapping[str, Any]) -> dict[str, str]:
        """The fields a request asks for (the defaults without ``fields=``); 400/100 for an unknown one."""
        requested = parse_fields(query.get("fields"))
        for name in requested:
            if name not in self.fields:
                raise nonexisting_field(name, self.type_name)
        return requested or dict.fromkeys(self.default, "")

    def select(self, document: Mapping[str, Any], requested: Mapping[str, str]) -> dict[str, Any]:
        """The requested fields of ``document`` that have a value, each narrowed by its ``{…}`` sub-fields."""
        selected: dict[str, Any] = {}
        for name in (*requested, *self.always):
            value = document.get(name)
            if value is None or name in selected:
                continue
            match = _SUBFIELDS_RE.search(requested.get(name, ""))
            selected[name] = _narrow(value, parse_fields(match.group(1))) if match else value
        return selected


def _narrow(value: Any, subfields: dict[str, str]) -> Any:
    if not subfields:
        return value
    if isinstance(value, list):
        return [_narrow(item, subfields) for item in value]
    if isinstance(value, dict):
        return {key: value[key] for key in subfields if key in value}
    return value
