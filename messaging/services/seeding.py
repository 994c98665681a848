"""A large, realistic history for benchmarks and query-count tests (``manage.py seed_history``).

One seeded account with a few numbers and operators; contacts with names from a small pool (so
a name search finds a few percent); conversations whose last activity is spread over 90 days
(a few inside the 24-hour window, some unread, a third unassigned); messages alternating in and
out with words from a vocabulary (a common word in about a third of them, order numbers that are
nearly unique); one long thread (for the thread pages) whose outbound messages carry their
sent → delivered → read timeline. Replies carry the operator who wrote them; a conversation that
starts with our message starts with a template; each burst of the customer's messages opens (or
reopens) the conversation and most bursts end resolved (``ConversationEvent`` rows, for the inbox
states and insights); templates get a priced ``delivered`` status. Apps above messaging add their
own rows through ``register_seed_extension`` (insights: prices, campaigns and the daily figures).
Everything goes in with batched ``bulk_create`` (messages by
``COPY`` on PostgreSQL, where a million rows then take about a minute); nothing is sent anywhere.
"""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import BusinessAccount, PhoneNumber

from ..models import Contact, Conversation, ConversationEvent, Message, MessageStatusEvent
from .last_message import refresh_last_messages

SEED_WABA_ID = "seed-history"
FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kate", "Liam", "Maya", "Noah",
    "Olga", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Xena", "Yusuf", "Zoe", "Amir", "Bea",
    "Carl", "Dina", "Emil", "Fay", "Gus", "Hana", "Ivan", "Jade", "Karl", "Lena", "Milo", "Nina",
)
LAST_NAMES = (
    "Nelson", "Okafor", "Patel", "Quist", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young",
    "Zhang", "Adams", "Brown", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Kim",
    "Lopez", "Moreau", "Novak", "Olsen", "Park", "Reyes",
)
INBOUND_LINES = (
    "Hi, where is my order #{n}?", "Does it come in another colour?", "Thanks, that helps!",
    "Can I change the delivery address for order #{n}?", "Is the {product} back in stock?",
    "I would like a refund for the {product}", "What time do you open tomorrow?", "ok", "Great, thanks 🙏",
    "The {product} arrived broken", "Can you send me the invoice for #{n}?",
)
OUTBOUND_LINES = (
    "Your order #{n} ships today.", "Yes, the {product} comes in blue and green.", "You're welcome!",
    "I've updated the address on order #{n}.", "The {product} is back next week.",
    "I've started the refund for the {product}; it takes 3–5 days.", "We open at 9:00.",
    "Could you send a photo of the {product}?", "Here is your invoice for order #{n}.",
)
# The templates a conversation we start opens with: (name, language, pricing category).
SEED_TEMPLATES = (("order_update", "en_US", "utility"), ("spring_sale", "en_US", "marketing"),
                  ("login_code", "en_US", "authentication"))
# A customer writing again after this long reopens the conversation (a new start for insights).
_NEW_BURST = timedelta(hours=6)
_EXTENSIONS: list = []


def register_seed_extension(extension) -> None:
    """``extension(result, *, rng, now, progress)`` runs after each ``seed_history`` (apps above
    messaging seed their rows from it without messaging importing them)."""
    if extension not in _EXTENSIONS:
        _EXTENSIONS.append(extension)


PRODUCTS = ("kettle", "lamp", "backpack", "bicycle helmet", "coffee grinder", "desk chair", "rain jacket", "toaster")


@dataclass(frozen=True)
class SeedResult:
    account: BusinessAccount
    phone_numbers: list[PhoneNumber]
    operators: list
    conversations: int
    messages: int
    long_thread: Conversation | None


def seed_history(
    *,
    conversations: int,
    messages: int,
    phone_numbers: int = 2,
    long_thread: int | None = None,
    batch_size: int = 5000,
    seed: int = 8,
    now: datetime | None = None,
    progress=None,
) -> SeedResult:
    """Add ``conversations`` conversations holding ``messages`` messages in all (see the module doc).

    ``long_thread`` messages go to one conversation (default: a tenth, at most 20,000). Can run
    again: new contacts get new numbers. ``progress(text)`` is called now and then.
    """
    if conversations < 1 or messages < conversations:
        raise ValueError("Seed at least one conversation and at least one message per conversation.")
    rng = random.Random(seed)
    now = now or timezone.now()
    say = progress or (lambda text: None)
    account, numbers, operators = _account(phone_numbers)
    long_count = min(long_thread if long_thread is not None else max(messages // 10, 1), messages - (conversations - 1))
    counts = _spread(messages - long_count, conversations - 1, rng) + [long_count]
    first = Contact.objects.filter(account=account, wa_id__startswith="1999").count()
    done = 0
    long_conversation = None
    for start in range(0, conversations, batch_size):
        chunk = range(start, min(start + batch_size, conversations))
        with transaction.atomic():
            rows = _conversations(chunk, first, numbers, operators, counts, rng, now)
            pending: list[dict] = []
            events: list[ConversationEvent] = []
            for conversation, count in rows:
                messages_of = _messages(conversation, count, rng, operators)
                events.extend(_states(conversation, messages_of, rng, now))
                pending.extend(messages_of)
                if len(pending) >= batch_size:
                    _insert_messages(pending, batch_size)
                    done += len(pending)
                    pending = []
            if pending:
                _insert_messages(pending, batch_size)
                done += len(pending)
            ConversationEvent.objects.bulk_create(events, batch_size=batch_size)
            _resolve_states(events)
            _priced_statuses([c for c, _ in rows], batch_size)
            refresh_last_messages(conversations=Conversation.objects.filter(pk__in=[c.pk for c, _ in rows]))
        if chunk[-1] == conversations - 1:
            long_conversation = rows[-1][0]
        say(f"{chunk[-1] + 1:,} conversations, {done:,} messages")
    if long_conversation is not None:
        _timelines(long_conversation, batch_size)
    result = SeedResult(account, numbers, operators, conversations, done, long_conversation)
    for extension in _EXTENSIONS:
        extension(result, rng=rng, now=now, progress=say)
    return result


def _account(count: int) -> tuple[BusinessAccount, list[PhoneNumber], list]:
    account, _ = BusinessAccount.objects.get_or_create(
        waba_id=SEED_WABA_ID,
        defaults={"name": "Seeded history", "access_token": "seed", "app_secret": "seed", "verify_token": "seed"},
    )
    numbers = [
        PhoneNumber.objects.get_or_create(
            phone_number_id=f"seed-{i}", defaults={"account": account, "display_phone_number": f"1555000{i:04d}"}
        )[0]
        for i in range(1, count + 1)
    ]
    user_model = get_user_model()
    operators = []
    for i in range(1, 4):
        user, created = user_model.objects.get_or_create(username=f"seed-operator-{i}")
        if created:
            user.set_unusable_password()
            user.save()
        for number in numbers:
            number.operators.add(user)
        operators.append(user)
    return account, numbers, operators


def _spread(total: int, parts: int, rng: random.Random) -> list[int]:
    """``parts`` counts of at least 1 summing to ``total``, unevenly (some chatty customers)."""
    if parts <= 0:
        return []
    weights = [rng.paretovariate(2.5) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    short = total - sum(counts)
    for i in range(short):
        counts[i % parts] += 1
    return counts


def _conversations(chunk, first, numbers, operators, counts, rng, now) -> list[tuple[Conversation, int]]:
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                account_id=numbers[0].account_id,
                wa_id=f"1999{first + i:08d}",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            )
            for i in chunk
        ]
    )
    rows = []
    for contact, i in zip(contacts, chunk):
        # 5 % active in the last day (window open for most), the rest over 90 days.
        age = timedelta(minutes=rng.uniform(1, 1400)) if rng.random() < 0.05 else timedelta(days=rng.uniform(1, 90))
        if i == len(counts) - 1:
            age = timedelta(minutes=5)  # the long thread is a live one
        last = now - age
        inbound_last = rng.random() < 0.5
        last_inbound = last if inbound_last else last - timedelta(minutes=rng.uniform(1, 600))
        unread = rng.randint(1, 3) if inbound_last and rng.random() < 0.6 else 0
        conversation = Conversation(
            contact=contact,
            phone_number=numbers[i % len(numbers)],
            last_message_at=last,
            last_inbound_at=last_inbound,
            unread_count=unread,
            read_up_to=None if unread else last_inbound,
            assigned_to=rng.choice([None, *operators]) if rng.random() < 0.66 else None,
        )
        conversation._seed_last_inbound = inbound_last
        rows.append((conversation, counts[i]))
    Conversation.objects.bulk_create([c for c, _ in rows])  # sets each pk (PostgreSQL, SQLite ≥ 3.35)
    return rows


def _messages(conversation: Conversation, count: int, rng: random.Random, operators=()) -> list[dict]:
    """The conversation's messages as column values, oldest first."""
    out = []
    at = conversation.last_message_at
    # The newest message is inbound when the customer wrote last; going back, they mostly alternate.
    inbound = conversation._seed_last_inbound
    for k in range(count):
        n = rng.randint(100000, 999999)
        line = rng.choice(INBOUND_LINES if inbound else OUTBOUND_LINES).format(n=n, product=rng.choice(PRODUCTS))
        row = {
            "uuid": uuid.uuid4(), "wamid": f"wamid.seed.{conversation.pk}.{k}", "conversation_id": conversation.pk,
            "type": "text", "text": line, "meta_timestamp": at, "created_at": at,
        }
        if inbound:
            row.update(direction="in", payload={"body": line}, status="received", read_at_meta=at if k else None)
        else:
            status = rng.choices(("read", "delivered", "sent", "failed"), weights=(70, 20, 7, 3))[0]
            writer = conversation.assigned_to_id or (rng.choice(operators).pk if operators else None)
            row.update(direction="out", payload={"body": line, "preview_url": False}, status=status, status_at=at,
                       error_code=131026 if status == "failed" else None, sent_by_id=writer)
        out.append(row)
        at -= timedelta(minutes=rng.uniform(0.5, 30))
        if count <= 500 and rng.random() < 0.08:  # the customer came back days later: a reopening
            at -= timedelta(hours=rng.uniform(8, 96))
        inbound = not inbound if rng.random() < 0.8 else inbound
    out.reverse()
    if out[0]["direction"] == "out":  # we wrote first: a business-initiated template, nobody's reply
        name, language, category = rng.choices(SEED_TEMPLATES, weights=(6, 3, 1))[0]
        out[0].update(type="template", sent_by_id=None, text=f"[{name}]", payload={
            "name": name, "language": {"code": language}, "_seed_category": category})
        if out[0]["status"] == "failed":
            out[0]["error_code"] = rng.choice((131026, 131049, 131050))
    return out


def _states(conversation: Conversation, messages: list[dict], rng: random.Random, now: datetime) -> list:
    """Opened / reopened at each burst of the customer's messages; most bursts resolved after our
    last reply (the live ones, in the last day, stay open)."""
    events, previous, open_since = [], None, None
    for row in messages:
        if row["direction"] == "in" and (previous is None or row["created_at"] - previous > _NEW_BURST):
            if open_since is not None and previous is not None:
                events.append(_resolution(conversation, previous, rng))
            kind = ConversationEvent.Kind.OPENED if not events else ConversationEvent.Kind.REOPENED
            events.append(ConversationEvent(conversation_id=conversation.pk, kind=kind, occurred_at=row["created_at"]))
            open_since = row["created_at"]
        previous = row["created_at"]
    if open_since is not None and previous is not None and now - previous > timedelta(days=1) and rng.random() < 0.9:
        events.append(_resolution(conversation, previous, rng))
    return events


def _resolution(conversation: Conversation, last: datetime, rng: random.Random) -> ConversationEvent:
    return ConversationEvent(conversation_id=conversation.pk, kind=ConversationEvent.Kind.RESOLVED,
                             actor_id=conversation.assigned_to_id, occurred_at=last + timedelta(minutes=rng.uniform(1, 90)))


def _resolve_states(events: list) -> None:
    """Conversations whose last event is a resolution are resolved (the rest stay open); one UPDATE."""
    last = {}
    for event in events:
        last[event.conversation_id] = event
    resolved = [pk for pk, event in last.items() if event.kind == ConversationEvent.Kind.RESOLVED]
    Conversation.objects.filter(pk__in=resolved).update(state=Conversation.State.RESOLVED)


def _priced_statuses(conversations: list[Conversation], batch_size: int) -> None:
    """A ``delivered`` status with Meta's ``pricing`` object for every delivered template (what insights' cost
    figures count), the recipient's WhatsApp id on it."""
    wa_ids = {c.pk: c.contact.wa_id for c in conversations}
    templates = Message.objects.filter(conversation_id__in=wa_ids, type="template", status__in=("delivered", "read"))
    events = [
        MessageStatusEvent(message_id=pk, wamid=wamid, status="delivered", timestamp=at + timedelta(seconds=2),
                           recipient_id=wa_ids[conversation_id],
                           pricing={"billable": True, "pricing_model": "PMP", "type": "regular",
                                    "category": payload.get("_seed_category", "utility")})
        for pk, wamid, at, conversation_id, payload in templates.values_list(
            "pk", "wamid", "created_at", "conversation_id", "payload")
    ]
    MessageStatusEvent.objects.bulk_create(events, batch_size=batch_size, ignore_conflicts=True)


# Columns written for every seeded message; the rest take their defaults (see _COPY_DEFAULTS).
_COLUMNS = ("uuid", "wamid", "conversation_id", "direction", "type", "payload", "text", "status", "status_at",
            "error_code", "read_at_meta", "meta_timestamp", "created_at", "sent_by_id")
_COPY_DEFAULTS = {"context_wamid": "", "context": "{}", "referral": "{}", "errors": "[]", "target_wamid": "",
                  "reactions": "{}", "previous_versions": "[]", "error_title": "", "error_details": "", "attempts": 0,
                  "rate_group": ""}


def _insert_messages(rows: list[dict], batch_size: int) -> None:
    """bulk_create; on PostgreSQL a COPY (10× faster for a million rows)."""
    if connection.vendor != "postgresql":
        Message.objects.bulk_create([Message(**row) for row in rows], batch_size=batch_size)
        return
    columns = _COLUMNS + tuple(_COPY_DEFAULTS) + ("updated_at",)
    now = timezone.now()
    defaults = tuple(_COPY_DEFAULTS.values())
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY messaging_message ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                values = tuple(json.dumps(row[c]) if c == "payload" else row.get(c) for c in _COLUMNS)
                copy.write_row(values + defaults + (now,))


def _timelines(conversation: Conversation, batch_size: int) -> None:
    """sent → delivered → read for every outbound message of ``conversation``."""
    events = []
    outbound = Message.objects.filter(conversation=conversation, direction="out").values_list("pk", "wamid", "created_at", "status")
    for pk, wamid, at, status in outbound.iterator(chunk_size=batch_size):
        steps = {"read": 3, "delivered": 2, "sent": 1, "failed": 1}[status]
        names = ("sent", "delivered", "read")[:steps] if status != "failed" else ("failed",)
        for offset, name in enumerate(names, start=1):
            events.append(MessageStatusEvent(message_id=pk, wamid=wamid, status=name, timestamp=at + timedelta(seconds=offset)))
        if len(events) >= batch_size:
            MessageStatusEvent.objects.bulk_create(events, batch_size=batch_size, ignore_conflicts=True)
            events = []
    if events:
        MessageStatusEvent.objects.bulk_create(events, batch_size=batch_size, ignore_conflicts=True)
