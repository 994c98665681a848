"""Canned replies: saved texts with a short code, their variables filled from the contact.

A body may hold ``{{first_name}}``, ``{{name}}`` and ``{{<attribute>}}`` (any key of
``Contact.attributes``). Saving refuses any other ``{{``/``}}``, so a rendered reply never carries
a literal ``{{…}}`` to the customer: a variable the contact has no value for renders empty and is
flagged (``missing``) for the operator to fill in before sending.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from accounts.services.audit import record_audit

from ..models import CannedReply, Contact, Conversation
from ..services.sending import window_closed_reason

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# What the composer lists for one conversation at most (the page filters them as the operator types).
PICKER_LIMIT = 200


@dataclass
class RenderedReply:
    text: str
    missing: list[str] = field(default_factory=list)
    # The text in pieces for the preview: (text, None) as written, ("", name) where ``name`` is missing.
    parts: list[tuple[str, str | None]] = field(default_factory=list)


def check_body(body: str) -> None:
    """Refuse braces that are not a variable (``{{ 1 }}``, ``{{name``): they would reach the customer."""
    leftover = VARIABLE.sub("", body)
    if "{{" in leftover or "}}" in leftover:
        raise ValidationError({"body": "Write variables as {{first_name}}, {{name}} or {{an_attribute}}: "
                                       "letters, digits and _ between double braces."})


def variables_of(contact: Contact) -> dict[str, str]:
    """The values a reply can use for ``contact``: its attributes, ``name`` and ``first_name``."""
    values = {str(key): str(value) for key, value in (contact.attributes or {}).items()
              if value not in (None, "") and not isinstance(value, (dict, list))}
    if contact.name:
        values["name"] = contact.name
        values.setdefault("first_name", contact.name.split()[0])
    return values


def render_reply(reply: CannedReply, contact: Contact) -> RenderedReply:
    """``reply``'s body for ``contact``: variables replaced; those without a value empty and listed."""
    values = variables_of(contact)
    rendered = RenderedReply(text="")
    position = 0
    for match in VARIABLE.finditer(reply.body):
        rendered.parts.append((reply.body[position:match.start()], None))
        name = match[1]
        if name in values:
            rendered.parts.append((values[name], None))
        else:
            rendered.parts.append(("", name))
            if name not in rendered.missing:
                rendered.missing.append(name)
        position = match.end()
    rendered.parts.append((reply.body[position:], None))
    rendered.parts = [(text, name) for text, name in rendered.parts if text or name]
    rendered.text = "".join(text for text, _ in rendered.parts)
    return rendered


def replies_for(*, user, account_id: int) -> QuerySet[CannedReply]:
    """The replies ``user`` may pick in a conversation of ``account_id``: shared ones and their own."""
    return CannedReply.objects.filter(Q(owner__isnull=True) | Q(owner=user), account_id=account_id).order_by("code", "pk")


def picker_entries(*, user, conversation: Conversation) -> list[dict]:
    """What the composer's ``/`` list shows for ``conversation``, rendered for its contact.

    Refuses (``ValidationError``) when the window is closed: a canned reply is free text."""
    if not conversation.window_is_open():
        raise ValidationError(f"{window_closed_reason(conversation)} A canned reply is free text: send a template instead.")
    entries = []
    for reply in replies_for(user=user, account_id=conversation.contact.account_id)[:PICKER_LIMIT]:
        rendered = render_reply(reply, conversation.contact)
        entries.append({
            "id": reply.pk, "code": reply.code, "title": reply.title, "personal": reply.owner_id is not None,
            "text": rendered.text, "missing": rendered.missing,
            "parts": [{"text": text, "missing": name} for text, name in rendered.parts],
        })
    return entries


def save_canned_reply(*, actor, reply: CannedReply) -> CannedReply:
    """Create or change ``reply`` (validated by its form), audited; a taken code is a ``ValidationError``."""
    check_body(reply.body)
    created = reply.pk is None
    try:
        with transaction.atomic():
            reply.save()
            record_audit(actor=actor, action="canned_reply.create" if created else "canned_reply.change", obj=reply,
                         account=reply.account_id, details={"code": reply.code, "personal": reply.owner_id is not None})
    except IntegrityError:
        raise ValidationError({"code": f"/{reply.code} is taken already: choose another code."}) from None
    return reply


def delete_canned_reply(*, actor, reply: CannedReply) -> None:
    """Delete ``reply``, audited."""
    with transaction.atomic():
        record_audit(actor=actor, action="canned_reply.delete", obj=reply, account=reply.account_id,
                     details={"code": reply.code, "personal": reply.owner_id is not None})
        reply.delete()
