"""A campaign's parameter mapping: which contact attribute fills which placeholder of its template.

A campaign names a template's values the way people write them — ``body.1``, ``header.1``,
``body.first_name`` (a NAMED template), ``button.0`` (a URL button's suffix or an offer code) — and
maps each to where a recipient's value comes from: the name of one of the contact's attributes
(``Contact.attributes``), or ``name`` / ``wa_id`` (the contact's own name and number when no
attribute of that name exists). The values become the template send service's own keys
(``body_1``, ``button_0_url`` …, see ``templates_mgr.services.sending.slots_for``), so the campaign
sends through exactly the road a console send takes.
"""

from dataclasses import dataclass

from messaging.models import Contact
from templates_mgr.models import MessageTemplate
from templates_mgr.parameters import Slot
from templates_mgr.services.errors import TemplateInvalid
from templates_mgr.services.sending import slots_for

# Filled by the send itself (a FLOW button's token is issued per conversation): never mapped.
_GENERATED = ("flow",)
_FIXED_FILE_KINDS = ("image", "video", "document", "location")


@dataclass(frozen=True)
class Placeholder:
    key: str  # the campaign's name for it: body.1, header.1, button.0, otp
    slot: Slot


def placeholders_of(template: MessageTemplate) -> list[Placeholder]:
    """The values a campaign of ``template`` must map; ``ValueError`` (a sentence) if it can't send it."""
    try:
        slots = slots_for(template)
    except TemplateInvalid as exc:
        raise ValueError(" ".join(m for messages in exc.errors.values() for m in messages)) from None
    found = []
    for slot in slots:
        if slot.kind in _GENERATED:
            continue
        if slot.kind in _FIXED_FILE_KINDS:
            raise ValueError(
                f"{template.name} has a {slot.kind} header; campaigns send templates whose values come from "
                "contacts' attributes (text, link endings, offer codes) only, for now."
            )
        found.append(Placeholder(key=campaign_key(slot), slot=slot))
    return found


def campaign_key(slot: Slot) -> str:
    if slot.kind == "otp":
        return "otp"
    if slot.component == "button":
        return f"button.{slot.index}"
    return f"{slot.component}.{slot.name}"


def value_of(contact: Contact, source: str) -> str:
    """The contact's value for ``source`` (an attribute's name, or ``name`` / ``wa_id``); "" if none."""
    attributes = contact.attributes if isinstance(contact.attributes, dict) else {}
    value = attributes.get(source)
    if value is None and source == "name":
        value = contact.name
    if value is None and source in ("wa_id", "phone"):
        value = contact.wa_id
    return str(value).strip() if value is not None else ""


def fill(contact: Contact, mapping: dict, placeholders: list[Placeholder]) -> tuple[dict, list[tuple[str, str]]]:
    """``({campaign key: value}, [(campaign key, attribute) missing])`` for one contact."""
    values, missing = {}, []
    for placeholder in placeholders:
        source = mapping.get(placeholder.key, "")
        value = value_of(contact, source)
        if value:
            values[placeholder.key] = value
        elif placeholder.slot.required:
            missing.append((placeholder.key, source))
    return values, missing


def send_values(values: dict, placeholders: list[Placeholder]) -> dict:
    """The template send service's keys (``body_1`` …) for a recipient's stored values."""
    return {p.slot.key: values[p.key] for p in placeholders if p.key in values}
