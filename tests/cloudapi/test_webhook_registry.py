"""The webhook fields the apps register are exactly the ones docs/webhooks.md lists, with their owner."""

import re
from pathlib import Path

from cloudapi import webhook_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_fields() -> dict[str, str]:
    """``{field: owning app}`` from the table under "## Fields" (its first two columns)."""
    section = DOC.read_text().split("\n## Fields\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    fields = {}
    for row in rows:
        names, owner = [cell.strip() for cell in row.strip("|").split("|")[:2]]
        for name in re.findall(r"`([a-z_]+)`", names):
            fields[name] = owner
    return fields


def test_every_registered_field_is_documented_with_its_owner_and_nothing_more():
    registered = {
        field: webhook_registry.handler_for(field).__module__.split(".")[0] for field in webhook_registry.fields()
    }

    assert registered == documented_fields()
