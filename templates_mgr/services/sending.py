"""Sending an approved template with parameters that match its placeholders, through messaging's
one outbound road (``queue_message``). Everything Meta would refuse for the parameters is refused
here first, so a 132000 (parameter mismatch) can never come from us."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.graph import client_for
from accounts.models import PhoneNumber
from cloudapi.errors import CloudApiError
from messaging.models import Contact, Conversation, Message
from messaging.services.contacts import conversation_for, normalise_wa_id, upsert_contact
from messaging.services.sending import queue_message

from ..models import MessageTemplate
from ..parameters import (
    ParameterMismatch,
    Slot,
    Unsendable,
    build_components,
    check_components,
    missing_values,
    render_text,
    send_slots,
)
from .errors import MetaRefused, TemplateInvalid

Status = MessageTemplate.Status


@dataclass(frozen=True)
class MediaUpload:
    """A header file chosen at send time: uploaded to the sending number for a media id."""

    name: str
    content_type: str
    data: bytes


def slots_for(template: MessageTemplate) -> list[Slot]:
    """The values a send of ``template`` needs; :class:`TemplateInvalid` if we can't fill it."""
    try:
        return send_slots(
            components=template.components or [],
            parameter_format=template.parameter_format,
            category=template.category,
        )
    except Unsendable as exc:
        raise TemplateInvalid.on("template", str(exc)) from None


def send_template(
    *, conversation: Conversation, template: MessageTemplate, values: dict, user, client_uuid: uuid.UUID | None = None
) -> Message:
    """Queue ``template`` to the conversation's customer (no 24-hour window needed).

    ``values`` are keyed like :func:`slots_for`'s slots; a header file may be a :class:`MediaUpload`.
    Raises :class:`TemplateInvalid` (keyed by the send form's fields) or :class:`MetaRefused`.
    """
    content, text = _prepare(
        template=template, phone_number=conversation.phone_number, contact=conversation.contact, values=values
    )
    return queue_message(
        conversation=conversation,
        kind="template",
        content=content,
        text=text,
        user=user,
        client_uuid=client_uuid,
        requires_window=False,
    )


def start_conversation(
    *, phone_number: PhoneNumber, to: str, template: MessageTemplate, values: dict, user, client_uuid=None
) -> Message:
    """Open (or re-open) a conversation with the customer at ``to`` by sending ``template``."""
    try:
        wa_id = normalise_wa_id(to)
    except ValidationError as exc:
        raise TemplateInvalid.on("to", exc.messages[0]) from None
    content, text = _prepare(
        template=template, phone_number=phone_number, contact=Contact.objects.filter(wa_id=wa_id).first(), values=values
    )
    with transaction.atomic():
        conversation = conversation_for(contact=upsert_contact(wa_id=wa_id), phone_number=phone_number)
        return queue_message(
            conversation=conversation,
            kind="template",
            content=content,
            text=text,
            user=user,
            client_uuid=client_uuid,
            requires_window=False,
        )


def _prepare(*, template: MessageTemplate, phone_number: PhoneNumber, contact: Contact | None, values: dict) -> tuple[dict, str]:
    _check_sendable(template, phone_number, contact)
    slots = slots_for(template)
    missing = missing_values(slots, values)
    if missing:
        raise TemplateInvalid({key: [message] for key, message in missing.items()})
    values = _with_uploaded_media(phone_number, slots, values)
    components = build_components(
        slots, values, parameter_format=template.parameter_format, template_components=template.components or []
    )
    try:
        check_components(
            slots, components, parameter_format=template.parameter_format, template_components=template.components or []
        )
    except ParameterMismatch as exc:
        raise TemplateInvalid.on("__all__", f"Not sent: {exc}") from None
    content = {"name": template.name, "language": {"code": template.language, "policy": "deterministic"}}
    if components:
        content["components"] = components
    text = render_text(
        components=template.components or [], parameter_format=template.parameter_format,
        category=template.category, values=values,
    )
    return content, text


def _check_sendable(template: MessageTemplate, phone_number: PhoneNumber, contact: Contact | None) -> None:
    if template.account_id != phone_number.account_id:
        raise TemplateInvalid.on(
            "template", f"{template} belongs to another business account than +{phone_number.display_phone_number}."
        )
    if template.status != Status.APPROVED:
        raise TemplateInvalid.on(
            "template",
            f"Only approved templates can be sent; {template} is {template.get_status_display().lower()}.",
        )
    if template.category == MessageTemplate.Category.MARKETING and contact is not None and contact.opted_out:
        who = contact.name or f"+{contact.wa_id}"
        raise TemplateInvalid.on(
            "template",
            f"{who} asked not to receive marketing messages, and {template.name} is a marketing template, "
            "so it was not sent. A utility template can still be sent.",
        )


def _with_uploaded_media(phone_number: PhoneNumber, slots: list[Slot], values: dict) -> dict:
    """A header file becomes a media id on the sending number (Meta keeps it 30 days)."""
    values = dict(values)
    for slot in slots:
        upload = values.get(slot.key)
        if not isinstance(upload, MediaUpload):
            continue
        try:
            media_id = client_for(phone_number.account).upload_media(
                phone_number_id=phone_number.phone_number_id,
                file=upload.data,
                filename=upload.name,
                mime_type=upload.content_type,
            )
        except CloudApiError as error:
            refused = MetaRefused(error, action="take the header file")
            raise TemplateInvalid.on(slot.key, refused.message) from None
        values[slot.key] = {"id": media_id, **({"filename": upload.name} if slot.kind == "document" else {})}
    return values
