"""The consent ledger: who may receive marketing, why, and since when.

Every change is a ``ContactEvent`` on the contact's timeline, applied by its time (see
``contacts.set_marketing_preference``). Sources: the ``user_preferences`` webhook, STOP / START
keywords (``services.inbound``), a marketing send Meta refused because the customer opted out
(131050, here, from the status path), a person on the contact page (here), and contact imports.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services.audit import record_audit
from cloudapi.webhook_payloads import as_dict, as_int, as_list

from ..models import Contact, ContactEvent, Message, MessageStatusEvent
from .contacts import set_marketing_preference
from .set_updates import update_from_values

OPTED_OUT_OF_MARKETING = 131050  # "User has opted out of marketing messages"
REASON_MAX = 200

_HOW = {
    ContactEvent.Source.KEYWORD: "STOP keyword",
    ContactEvent.Source.USER_PREFERENCES: "WhatsApp setting",
    ContactEvent.Source.FAILED_SEND: "failed send 131050",
    ContactEvent.Source.SYSTEM_MESSAGE: "WhatsApp system message",
    ContactEvent.Source.IMPORT: "contact import",
}


def _clean_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError({"reason": "Say why: the reason is kept on the contact's timeline."})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters."})
    return text


@transaction.atomic
def set_consent_manually(*, contact: Contact, user, opted_out: bool, reason: str) -> ContactEvent:
    """A person opts ``contact`` out of (or back into) marketing, saying why; audited.

    ``ValidationError`` (keyed ``reason``) without a reason. The change is the newest on the
    timeline, so it applies at once; a later STOP or WhatsApp setting overrides it in turn.
    """
    text = _clean_reason(reason)
    by = user.get_full_name() or user.get_username()
    event = set_marketing_preference(
        contact=contact, stop=opted_out, occurred_at=timezone.now(), source=ContactEvent.Source.MANUAL,
        detail=text, details={"by": by, "by_id": user.pk},
    )
    record_audit(actor=user, action="contact.opt_out" if opted_out else "contact.opt_in", obj=contact,
                 details={"contact_event": event.pk}, reason=text)
    return event


def record_opt_out_failures(records: Iterable[MessageStatusEvent]) -> int:
    """Opt out the contacts whose message failed with 131050, from a batch of new status rows.

    A few statements whatever the batch: one read of the messages' contacts, one INSERT of the
    timeline rows, one UPDATE of the contacts that are not opted out yet and have no newer
    preference on their timeline. Returns how many timeline rows were written.
    """
    failed = [r for r in records if r.status == Message.Status.FAILED and r.message_id and _is_131050(r.errors)]
    if not failed:
        return 0
    contact_of = dict(
        Message.objects.filter(pk__in={r.message_id for r in failed}).values_list("pk", "conversation__contact_id")
    )
    events = [
        ContactEvent(
            contact_id=contact_of[r.message_id], kind=ContactEvent.Kind.MARKETING_STOP,
            source=ContactEvent.Source.FAILED_SEND, detail=f"Meta refused message {r.wamid} (131050)"[:255],
            details={"wamid": r.wamid, "errors": as_list(r.errors)}, occurred_at=r.timestamp,
            webhook_event_id=r.webhook_event_id,
        )
        for r in failed if r.message_id in contact_of
    ]
    ContactEvent.objects.bulk_create(events)
    latest: dict[int, object] = {}
    for event in events:
        if event.contact_id not in latest or latest[event.contact_id] < event.occurred_at:
            latest[event.contact_id] = event.occurred_at
    now = timezone.now()
    kinds = "'" + "', '".join([ContactEvent.Kind.MARKETING_STOP, ContactEvent.Kind.MARKETING_RESUME]) + "'"
    update_from_values(
        Contact,
        columns={"id": "id", "stop": "opted_out", "at": "opted_out_at", "now": "updated_at"},
        rows=[(pk, True, at, now) for pk, at in latest.items()],
        assignments={"opted_out": "v.stop", "opted_out_at": "v.at", "updated_at": "v.now"},
        where=(f"NOT t.opted_out AND NOT EXISTS (SELECT 1 FROM {ContactEvent._meta.db_table} e "
               f"WHERE e.contact_id = t.id AND e.kind IN ({kinds}) AND e.occurred_at > v.at)"),
    )
    return len(events)


def _is_131050(errors) -> bool:
    return any(as_int(as_dict(error).get("code")) == OPTED_OUT_OF_MARKETING for error in as_list(errors))


def describe_stop(event: ContactEvent) -> str:
    """“Opted out on 2026-05-01 14:03 by STOP keyword”, or “… by Jane (manual): moved abroad”."""
    when = timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M")
    if event.source == ContactEvent.Source.MANUAL:
        how = f"{as_dict(event.details).get('by') or 'a person'} (manual): {event.detail}"
    else:
        how = _HOW.get(event.source, event.get_source_display())
    return f"Opted out on {when} by {how}"


def consent_reasons(contacts: list[Contact]) -> dict[int, str]:
    """Contact id → why it is opted out (its newest stop), for the opted-out ones of a page, in one query."""
    opted = [c.pk for c in contacts if c.opted_out]
    if not opted:
        return {}
    reasons: dict[int, str] = {}
    stops = ContactEvent.objects.filter(contact_id__in=opted, kind=ContactEvent.Kind.MARKETING_STOP)
    for event in stops.order_by("contact_id", "-occurred_at", "-id"):
        reasons.setdefault(event.contact_id, describe_stop(event))
    for pk in opted:
        reasons.setdefault(pk, "Opted out (no record of how)")
    return reasons
