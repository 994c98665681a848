"""A small hand-built history (one day, two operators, a reopen, a campaign send, templates, prices)
whose every figure is known (tests/insights/test_figures.py says which)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from accounts import roles
from accounts.services import ensure_user
from insights.services.rollup import compute_days
from messaging.models import Contact, Conversation, ConversationEvent, Message, MessageStatusEvent

Kind = ConversationEvent.Kind


@dataclass
class History:
    day: date
    olivia: object
    ben: object


def _conversation(phone, wa_id, name):
    contact, _ = Contact.objects.get_or_create(account=phone.account, wa_id=wa_id, defaults={"name": name})
    return Conversation.objects.create(contact=contact, phone_number=phone)


def _message(conv, at, *, direction="out", by=None, kind="text", status=None, name="", wamid=None, code=None,
             rate_group=""):
    payload = {"name": name, "language": {"code": "en_US"}} if kind == "template" else {"body": "hi"}
    return Message.objects.create(
        conversation=conv, direction=direction, type=kind, payload=payload, text="hi", created_at=at, sent_by=by,
        status=status or ("received" if direction == "in" else "read"), wamid=wamid, error_code=code,
        rate_group=rate_group)


def _event(conv, kind, at, actor=None):
    return ConversationEvent.objects.create(conversation=conv, kind=kind, occurred_at=at, actor=actor)


def _priced(message, at, *, category, kind="regular", recipient):
    MessageStatusEvent.objects.create(message=message, wamid=message.wamid, status="delivered", timestamp=at,
                                      recipient_id=recipient,
                                      pricing={"pricing_model": "PMP", "category": category, "type": kind})


def build_history(phone, *, prefix="h") -> History:
    """Everything on one UTC day (yesterday), from 08:00."""
    day = timezone.now().astimezone(UTC).date() - timedelta(days=1)
    t0 = datetime(day.year, day.month, day.day, 8, tzinfo=UTC)
    minute = timedelta(minutes=1)
    olivia = ensure_user(username=f"olivia-{prefix}", password="pw-olivia-123", role=roles.OPERATOR)
    ben = ensure_user(username=f"ben-{prefix}", password="pw-ben-123", role=roles.OPERATOR)

    # c1: the customer writes; a campaign template (sent_by set!) a minute later does not count as a reply;
    # Olivia answers after 10 min, resolves at 60 min. The customer writes again at 2 h: reopened; Ben
    # answers after 2 min and resolves 32 min after the reopening message.
    c1 = _conversation(phone, "447400123456", "Grace Hughes")
    _message(c1, t0, direction="in")
    _event(c1, Kind.OPENED, t0)
    sale = _message(c1, t0 + minute, by=olivia, kind="template", name="spring_sale", wamid=f"{prefix}.w1",
                    rate_group="campaign:1")
    _message(c1, t0 + 10 * minute, by=olivia)
    _event(c1, Kind.RESOLVED, t0 + 60 * minute, actor=olivia)
    _message(c1, t0 + 120 * minute, direction="in")
    _event(c1, Kind.REOPENED, t0 + 120 * minute)
    _message(c1, t0 + 122 * minute, by=ben)
    _event(c1, Kind.RESOLVED, t0 + 152 * minute, actor=ben)
    _priced(sale, t0 + 2 * minute, category="marketing", recipient="447400123456")

    # c2: Olivia answers after 30 min; never resolved.
    c2 = _conversation(phone, "16505551234", "Ava Okafor")
    _message(c2, t0, direction="in")
    _event(c2, Kind.OPENED, t0)
    reply = _message(c2, t0 + 30 * minute, by=olivia, wamid=f"{prefix}.w2")
    _priced(reply, t0 + 31 * minute, category="service", kind="free_customer_service", recipient="16505551234")

    # c3: Olivia opens it herself with a template that fails (131026): no customer message, no first response.
    c3 = _conversation(phone, "4915112345678", "Emil Weber")
    _event(c3, Kind.OPENED, t0 + 5 * minute, actor=olivia)
    _message(c3, t0 + 5 * minute, by=olivia, kind="template", name="order_update", wamid=f"{prefix}.w3",
             status="failed", code=131026)

    # c4: spring_sale delivered (no answer), and one Meta refused before accepting it (no wamid: not sent).
    c4 = _conversation(phone, "16505550000", "Finn Park")
    delivered = _message(c4, t0 + 3 * minute, kind="template", name="spring_sale", wamid=f"{prefix}.w4",
                         status="delivered")
    _message(c4, t0 + 4 * minute, kind="template", name="spring_sale", status="failed", code=131049)
    _priced(delivered, t0 + 5 * minute, category="marketing", recipient="16505550000")
    # And a utility template the price table has no rate for.
    utility = _message(c4, t0 + 6 * minute, kind="template", name="order_update", wamid=f"{prefix}.w5",
                       status="delivered")
    _priced(utility, t0 + 7 * minute, category="utility", recipient="16505550000")

    compute_days(phone, [day])
    return History(day=day, olivia=olivia, ben=ben)
