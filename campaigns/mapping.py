"""Where a campaign's template parameters come from: the template's fillable placeholders, keyed
like ``Campaign.parameters`` (``"body.1"``, ``"header.1"``, ``"body.first_name"``, ``"button.0"``),
and the sources a value can come from (the contact's name, number, or one of its attributes).

``Campaign.parameters`` maps each key to a source: the name of one of the contact's attributes
(``Contact.attributes``), or ``"name"`` / ``"wa_id"`` (the contact's own name and number, when it has no
attribute of that name). An authentication template's code is ``"otp"``. Pure reads, bounded queries.
"""

from dataclasses import dataclass

from messaging.models import Contact
from templates_mgr.models import MessageTemplate
from templates_mgr.parameters import Unsendable, send_slots

NAME = "name"
WA_ID = "wa_id"
CONTACT_FIELDS = {NAME: "Contact's name", WA_ID: "Contact's WhatsApp number"}
# Attribute names are read from this many of the account's newest contacts (a page must stay cheap).
ATTRIBUTE_SAMPLE = 2000


@dataclass(frozen=True)
class Placeholder:
    key: str  # "body.1": what Campaign.parameters is keyed by
    label: str  # "Body {{1}}"
    example: str


class NotFillable(Exception):
    """The template has a part a campaign can't fill from contacts (a header file, a location, a code)."""


def placeholders_of(template: MessageTemplate) -> list[Placeholder]:
    """The template's placeholders a campaign fills per recipient, in form order; :class:`NotFillable`
    when the template needs something no contact attribute can give."""
    try:
        slots = send_slots(components=template.components or [], parameter_format=template.parameter_format,
                           category=template.category)
    except Unsendable as exc:
        raise NotFillable(str(exc)) from None
    found = []
    for slot in slots:
        if slot.kind == "flow":
            continue  # the send issues the flow token itself
        if slot.kind == "otp":
            found.append(Placeholder(key="otp", label=slot.label, example=slot.example))
        elif slot.kind == "text":
            found.append(Placeholder(key=f"{slot.component}.{slot.name}", label=slot.label, example=slot.example))
        elif slot.kind in ("url", "coupon_code"):
            found.append(Placeholder(key=f"button.{slot.index}", label=slot.label, example=slot.example))
        else:
            raise NotFillable(f"{template.name} needs a {slot.label.lower()}, which campaigns can't fill from "
                              "contacts yet: choose a template with text placeholders only.")
    return found


def attribute_names(account_id: int) -> list[str]:
    """The attribute names found on the account's (newest) contacts, sorted."""
    names: set[str] = set()
    rows = (Contact.objects.filter(account_id=account_id).order_by("-id")
            .values_list("attributes", flat=True)[:ATTRIBUTE_SAMPLE])
    for attributes in rows:
        if isinstance(attributes, dict):
            names.update(str(key) for key in attributes)
    return sorted(names - set(CONTACT_FIELDS))


def source_choices(account_id: int) -> list[tuple[str, str]]:
    """(value, label) for a placeholder's select: the contact's name and number, then each attribute."""
    return list(CONTACT_FIELDS.items()) + [(name, f"Attribute “{name}”") for name in attribute_names(account_id)]


def value_for(contact: Contact, source: str) -> str:
    """The text ``source`` gives for ``contact`` ("" when it has none): its attribute of that name,
    else for ``name`` / ``wa_id`` the contact's own name / number."""
    attributes = contact.attributes if isinstance(contact.attributes, dict) else {}
    value = attributes.get(source)
    if value is None and source == NAME:
        value = contact.name
    if value is None and source == WA_ID:
        value = contact.wa_id
    return str(value).strip() if value is not None else ""
