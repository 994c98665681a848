"""Labels: per business account, coloured, one model for contacts' tags (campaign audiences) and
conversations' labels (the team inbox). Administrators manage them in Settings; operators put
them on and take them off conversations. A label of one account never goes on another account's
conversation or contact.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import BusinessAccount
from accounts.services.audit import record_audit, record_audits

from ..models import Conversation, ConversationEvent, Label

NAME_MAX_LENGTH = Label._meta.get_field("name").max_length


def label_named(account: BusinessAccount, name: str) -> Label:
    """The account's label called ``name`` (case as first written), created grey if new. Not
    audited: imports and segments call it for tags named in data."""
    name = clean_label_name(name)
    existing = Label.objects.filter(account=account, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Label.objects.create(account=account, name=name)
    except IntegrityError:  # created meanwhile by another request
        return Label.objects.get(account=account, name=name)


@transaction.atomic
def create_label(*, account: BusinessAccount, name: str, colour: str = Label.Colour.GREY, actor) -> Label:
    """A new label of ``account``; refuses a name the account has already (whatever its case)."""
    name = clean_label_name(name)
    _check_colour(colour)
    if Label.objects.filter(account=account, name__iexact=name).exists():
        raise ValidationError(f"{account.name} has a label “{name}” already.")
    label = Label.objects.create(account=account, name=name, colour=colour)
    record_audit(actor=actor, action="label.create", obj=label, account=account.pk,
                 details={"name": name, "colour": colour})
    return label


@transaction.atomic
def update_label(*, label: Label, name: str, colour: str, actor) -> Label:
    """Rename and / or recolour ``label`` (everything that carries it shows the change)."""
    name = clean_label_name(name)
    _check_colour(colour)
    if Label.objects.filter(account_id=label.account_id, name__iexact=name).exclude(pk=label.pk).exists():
        raise ValidationError(f"This account has a label “{name}” already.")
    before = {"name": label.name, "colour": label.colour}
    if before == {"name": name, "colour": colour}:
        return label
    label.name, label.colour = name, colour
    label.save(update_fields=["name", "colour"])
    record_audit(actor=actor, action="label.update", obj=label, account=label.account_id,
                 details={"from": before, "to": {"name": name, "colour": colour}})
    return label


def label_usage(label: Label) -> dict[str, int]:
    """How many conversations and contacts carry ``label`` (the delete confirmation says so)."""
    return {"conversations": label.conversations.count(), "contacts": label.contacts.count()}


@transaction.atomic
def delete_label(*, label: Label, actor) -> dict[str, int]:
    """Delete ``label``: it comes off every conversation and contact. Returns what carried it."""
    usage = label_usage(label)
    record_audit(actor=actor, action="label.delete", obj=label, account=label.account_id,
                 details={"name": label.name, **usage})
    label.delete()
    return usage


def add_label(*, conversation: Conversation, label: Label, actor) -> bool:
    """Put ``label`` on ``conversation``; False when it was there already."""
    return bool(add_label_to_conversations(conversations=[conversation], label=label, actor=actor))


@transaction.atomic
def add_label_to_conversations(*, conversations: list[Conversation], label: Label, actor) -> list[Conversation]:
    """Put ``label`` on every one of ``conversations`` (scoped to what ``actor`` may see): all or,
    when one belongs to another account than the label, none (``ValidationError``). Returns those
    that did not carry it yet; each gets a ``labelled`` event, the whole an audit entry per row."""
    _check_tenancy(conversations, label)
    through = Conversation.labels.through
    carrying = set(through.objects.filter(label=label, conversation__in=[c.pk for c in conversations])
                   .values_list("conversation_id", flat=True))
    fresh = [c for c in conversations if c.pk not in carrying]
    through.objects.bulk_create([through(conversation_id=c.pk, label_id=label.pk) for c in fresh],
                                ignore_conflicts=True)
    _record(fresh, label, actor, added=True)
    return fresh


@transaction.atomic
def remove_label(*, conversation: Conversation, label: Label, actor) -> bool:
    """Take ``label`` off ``conversation``; False when it did not carry it."""
    _check_tenancy([conversation], label)
    removed, _ = Conversation.labels.through.objects.filter(conversation=conversation, label=label).delete()
    if removed:
        _record([conversation], label, actor, added=False)
    return bool(removed)


def labels_for_accounts(accounts) -> list[Label]:
    """Every label of ``accounts`` (a queryset of the accounts a user may see), by account and name."""
    return list(Label.objects.filter(account__in=accounts).select_related("account").order_by("account__name", "name"))


def _record(conversations: list[Conversation], label: Label, actor, *, added: bool) -> None:
    if not conversations:
        return
    person = actor if getattr(actor, "is_authenticated", False) else None
    change = {"added" if added else "removed": [label.name], "label_id": label.pk}
    now = timezone.now()
    ConversationEvent.objects.bulk_create([
        ConversationEvent(conversation=c, kind=ConversationEvent.Kind.LABELLED, actor=person, details=change,
                          occurred_at=now)
        for c in conversations
    ])
    record_audits(actor=actor, action="conversation.label_add" if added else "conversation.label_remove",
                  objects=[(c, label.account_id) for c in conversations], details={"label_id": label.pk})


def _check_tenancy(conversations: list[Conversation], label: Label) -> None:
    foreign = [c for c in conversations if c.phone_number.account_id != label.account_id]
    if foreign:
        raise ValidationError("That label belongs to another account than the conversation.")


def clean_label_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Give the label a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(f"“{name[:20]}…” is longer than {NAME_MAX_LENGTH} characters, too long for a label.")
    return name


def _check_colour(colour: str) -> None:
    if colour not in Label.Colour.values:
        raise ValidationError("Choose one of the colours offered.")
