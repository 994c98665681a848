"""A contact's attributes (name → text, which campaigns fill template parameters from) and labels
(tags, which segments select by), edited by people or filled by imports."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services.audit import record_audit

from ..models import Contact, Label
from .labels import label_named

ATTRIBUTE_NAME_MAX = 64
ATTRIBUTE_VALUE_MAX = 500
ATTRIBUTES_MAX = 50
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def attribute_name(raw: str) -> str:
    """“First Name” → ``first_name``: lower case, spaces and dashes as ``_``; ``ValidationError``
    unless it then starts with a letter and holds only letters, digits and ``_``."""
    name = re.sub(r"[\s\-]+", "_", (raw or "").strip().lower()).strip("_")
    if not name:
        raise ValidationError("An attribute needs a name.")
    if len(name) > ATTRIBUTE_NAME_MAX:
        raise ValidationError(f"The attribute name “{name[:20]}…” is longer than {ATTRIBUTE_NAME_MAX} characters.")
    if not _NAME.fullmatch(name):
        raise ValidationError(f"The attribute name “{name}” may hold only letters, digits and _, "
                              "and must start with a letter.")
    return name


def attribute_value(name: str, raw) -> str:
    value = "" if raw is None else str(raw).strip()
    if len(value) > ATTRIBUTE_VALUE_MAX:
        raise ValidationError(f"The value of “{name}” is longer than {ATTRIBUTE_VALUE_MAX} characters.")
    return value


def parse_attribute_lines(text: str) -> dict[str, str]:
    """``name: value`` lines (or ``name = value``) → attributes; a blank value removes the attribute.
    ``ValidationError`` listing every bad line."""
    attributes: dict[str, str] = {}
    errors = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = re.match(r"\s*([^:=]+?)\s*[:=]\s*(.*)$", line)
        if not match:
            errors.append(f"Line {number}: write name: value.")
            continue
        try:
            name = attribute_name(match[1])
            attributes[name] = attribute_value(name, match[2])
        except ValidationError as exc:
            errors.append(f"Line {number}: {exc.messages[0]}")
    if len([v for v in attributes.values() if v]) > ATTRIBUTES_MAX:
        errors.append(f"At most {ATTRIBUTES_MAX} attributes per contact.")
    if errors:
        raise ValidationError(errors)
    return {name: value for name, value in attributes.items() if value}


@transaction.atomic
def update_contact_profile(*, contact: Contact, user, attributes: dict[str, str], labels: list[Label],
                           new_labels: list[str] = ()) -> Contact:
    """Replace ``contact``'s attributes and labels (labels of its own account only, plus
    ``new_labels`` by name, made if new); audited with the names of what changed, never the values."""
    if any(label.account_id != contact.account_id for label in labels):
        raise ValidationError({"labels": "A label of another business account cannot tag this contact."})
    labels = list(labels) + [label_named(contact.account, name) for name in new_labels]
    before_attributes, before_labels = dict(contact.attributes or {}), set(contact.labels.values_list("pk", flat=True))
    contact.attributes = attributes
    contact.save(update_fields=["attributes", "updated_at"])
    contact.labels.set(labels)
    changed = sorted(k for k in set(before_attributes) | set(attributes) if before_attributes.get(k) != attributes.get(k))
    after_labels = {label.pk for label in labels}
    record_audit(actor=user, action="contact.update_profile", obj=contact, details={
        "attributes_changed": changed,
        "labels_added": sorted(after_labels - before_labels),
        "labels_removed": sorted(before_labels - after_labels),
    })
    return contact
