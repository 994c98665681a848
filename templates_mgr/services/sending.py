"""Sending an approved template with parameters that match its placeholders, through messaging's
one outbound road (``queue_message``). Everything Meta would refuse for the parameters is refused
here first, so a 132000 (parameter mismatch) can never come from us.

A header file is kept in the media library like every file we send: the message names the asset,
and the send task turns it into a Meta media id (cached 30 days, renewed) — nothing is uploaded to
Meta during the request."""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import PhoneNumber
from cloudapi.media_kinds import FILE_TYPES
from media_lib.kinds import with_article
from media_lib.models import MediaAsset
from media_lib.services import inspect_upload, store_upload
from messaging.models import Contact, Conversation, Flow, Message
from messaging.services.contacts import conversation_for, normalise_wa_id, upsert_contact
from messaging.services.flow_tokens import issue_flow_token
from messaging.services.sending import DISPLAY_KEY, Outbound, queue_messages

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
from ..preview import Preview, preview_of
from .eligibility import template_send_refusal
from .errors import TemplateInvalid

Status = MessageTemplate.Status


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
    *, conversation: Conversation, template: MessageTemplate, values: dict, user, client_uuid: uuid.UUID | None = None,
) -> Message:
    """Queue ``template`` to the conversation's customer (no 24-hour window needed).

    ``values`` are keyed like :func:`slots_for`'s slots; a header file may be an ``UploadedFile``
    (kept in the media library, see the module's docstring). Raises :class:`TemplateInvalid`
    (keyed by the send form's fields).
    """
    prepared = _prepare(
        template=template, phone_number=conversation.phone_number, contact=conversation.contact,
        wa_id=conversation.contact.wa_id, values=values, user=user,
    )
    return _queue([(conversation, prepared, client_uuid)], user=user)[0]


@dataclass
class TemplateSend:
    """One customer of ``send_template_to_many``: their conversation, values and our UUID for the send."""

    conversation: Conversation
    values: dict
    client_uuid: uuid.UUID | None = None


def send_template_to_many(
    *, template: MessageTemplate, sends: list[TemplateSend], rate_group: str = "", rate_cap: int | None = None,
) -> list[Message | TemplateInvalid]:
    """``send_template`` to many customers at once, with no person sending (a campaign's chunk, which
    names its ``rate_group`` and ``rate_cap``). Each send is checked as one would be; a refused one
    gets its :class:`TemplateInvalid` in its place, the rest are queued together (one insert)."""
    results: list[Message | TemplateInvalid | None] = [None] * len(sends)
    ready = []
    for index, send in enumerate(sends):
        contact = send.conversation.contact
        try:
            prepared = _prepare(template=template, phone_number=send.conversation.phone_number, contact=contact,
                                wa_id=contact.wa_id, values=send.values, user=None)
        except TemplateInvalid as exc:
            results[index] = exc
            continue
        ready.append((index, (send.conversation, prepared, send.client_uuid)))
    queued = _queue([item for _, item in ready], user=None, rate_group=rate_group, rate_cap=rate_cap)
    for (index, _), message in zip(ready, queued):
        results[index] = message
    return results


def start_conversation(
    *, phone_number: PhoneNumber, to: str, template: MessageTemplate, values: dict, user, client_uuid=None
) -> Message:
    """Open (or re-open) a conversation with the customer at ``to`` by sending ``template``."""
    try:
        wa_id = normalise_wa_id(to)
    except ValidationError as exc:
        raise TemplateInvalid.on("to", exc.messages[0]) from None
    known = Contact.objects.filter(account_id=phone_number.account_id, wa_id=wa_id).first()
    prepared = _prepare(
        template=template, phone_number=phone_number, contact=known, wa_id=wa_id, values=values, user=user,
    )
    with transaction.atomic():
        conversation = conversation_for(
            contact=upsert_contact(account=phone_number.account, wa_id=wa_id), phone_number=phone_number
        )
        return _queue([(conversation, prepared, client_uuid)], user=user)[0]


def _queue(items: list[tuple[Conversation, tuple, uuid.UUID | None]], *, user, rate_group="", rate_cap=None) -> list[Message]:
    """A template needs no open window: queue (conversation, prepared, client UUID) items through
    messaging's one door. A FLOW button's token is issued here, for the conversation and the
    button's flow, in the same transaction as the message — not for a send already queued (a
    double submit gets the first message, and no second token)."""
    with transaction.atomic():
        with_flows = {client_uuid for _, prepared, client_uuid in items if prepared[3] and client_uuid is not None}
        already = set(Message.objects.filter(uuid__in=with_flows).values_list("uuid", flat=True)) if with_flows else set()
        outbounds = []
        for conversation, (content, text, asset, flow_buttons), client_uuid in items:
            if client_uuid is None or client_uuid not in already:
                for index, flow in flow_buttons:
                    token = issue_flow_token(flow=flow, phone_number=conversation.phone_number, conversation=conversation)
                    _set_flow_token(content, index, token.token)
            outbounds.append(Outbound(
                conversation=conversation, kind="template", content=content, text=text, user=user,
                client_uuid=client_uuid, requires_window=False, media_asset=asset, rate_group=rate_group,
                rate_cap=rate_cap,
            ))
        return queue_messages(outbounds)


# Stands in for a FLOW button's token between checking the send and queueing it (never sent).
_TOKEN_TO_ISSUE = "token-issued-when-queued"


def _set_flow_token(content: dict, index: int, token: str) -> None:
    for part in content.get("components", []):
        if part.get("type") == "button" and part.get("sub_type") == "flow" and part.get("index") == str(index):
            part["parameters"] = [{"type": "action", "action": {"flow_token": token}}]
            return
    raise AssertionError("the flow button's component is missing")  # built by _prepare: cannot happen


def _flow_buttons(template: MessageTemplate, slots: list[Slot]) -> list[tuple[int, Flow]]:
    """The flow each FLOW button opens, found among the template's account's flows (the token needs it)."""
    found = []
    for slot in slots:
        if slot.kind != "flow":
            continue
        flows = Flow.objects.filter(account_id=template.account_id)
        flow = (flows.filter(flow_id=slot.flow_id) if slot.flow_id
                else flows.filter(name=slot.flow_name) if slot.flow_name else flows.none()).first()
        which = slot.flow_id or slot.flow_name
        if flow is None:
            raise TemplateInvalid.on("template", (
                f"The template's flow button opens flow {which}, which is not among this account's flows here: "
                "a template manager can sync the flows on the Flows page." if which else
                "The template's flow button carries its flow as JSON: Switchboard can only send flow buttons "
                "that name a flow of the account."
            ))
        if flow.status in (Flow.Status.BLOCKED, Flow.Status.DEPRECATED):
            raise TemplateInvalid.on("template", f"The flow button's flow {flow.name or which} is "
                                                 f"{flow.status_label.lower()}: it can't be opened.")
        found.append((slot.index, flow))
    return found


def _prepare(
    *, template: MessageTemplate, phone_number: PhoneNumber, contact: Contact | None, wa_id: str, values: dict, user
) -> tuple[dict, str, MediaAsset | None, list[tuple[int, Flow]]]:
    _check_sendable(template, phone_number, contact, wa_id)
    slots = slots_for(template)
    missing = missing_values(slots, values)
    if missing:
        raise TemplateInvalid({key: [message] for key, message in missing.items()})
    flow_buttons = _flow_buttons(template, slots)
    values, asset = _with_library_media(phone_number, slots, values, user)
    typed = values
    values = {**values, **{slot.key: _TOKEN_TO_ISSUE for slot in slots if slot.kind == "flow"}}
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
        category=template.category, values=typed,
    )
    content[DISPLAY_KEY] = preview_for_send(template=template, values=typed).as_display()
    return content, text, asset, flow_buttons


def preview_for_send(*, template: MessageTemplate, values: dict) -> Preview:
    """The whole message as the customer will see it with these values (the send form's live preview
    and, stored with the message, its bubble in the thread): the builder's own renderer."""
    texts = {key: value.strip() for key, value in values.items() if isinstance(value, str)}
    return preview_of(
        components=template.components or [], parameter_format=template.parameter_format,
        category=template.category, values=texts,
    )


def _check_sendable(template: MessageTemplate, phone_number: PhoneNumber, contact: Contact | None, wa_id: str) -> None:
    if template.account_id != phone_number.account_id:
        raise TemplateInvalid.on(
            "template", f"{template} belongs to another business account than +{phone_number.display_phone_number}."
        )
    if template.status != Status.APPROVED:
        raise TemplateInvalid.on(
            "template",
            f"Only approved templates can be sent; {template} is {template.get_status_display().lower()}.",
        )
    refusal = template_send_refusal(template=template, contact=contact, wa_id=wa_id)
    if refusal:
        raise TemplateInvalid.on("template", refusal)


def _with_library_media(phone_number: PhoneNumber, slots: list[Slot], values: dict, user) -> tuple[dict, MediaAsset | None]:
    """A header file is checked and kept by the media library; the send names the asset."""
    values, asset = dict(values), None
    for slot in slots:
        upload = values.get(slot.key)
        if not isinstance(upload, UploadedFile):
            continue
        try:
            checked = inspect_upload(uploaded_file=upload)
            if checked.kind != slot.kind:
                raise ValidationError(
                    f"The header is {with_article(slot.kind)}, but “{checked.name}” is {with_article(FILE_TYPES[checked.mime_type].label)}."
                )
            asset = store_upload(account=phone_number.account, uploaded_file=upload, user=user)
        except ValidationError as exc:
            raise TemplateInvalid.on(slot.key, " ".join(exc.messages)) from None
        name = {"filename": asset.original_name} if slot.kind == "document" and asset.original_name else {}
        values[slot.key] = {"asset": asset.pk, **name}
    return values, asset
