"""Labels of a business account: one model for contacts' tags and conversations' labels.

Only what imports need for now (a name → the label, made if new); Settings → Labels builds on it.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import BusinessAccount

from ..models import Label

NAME_MAX = Label._meta.get_field("name").max_length


def clean_label_name(name: str) -> str:
    """The name trimmed, with inner runs of spaces made one; ``ValidationError`` if empty or too long."""
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError("A label needs a name.")
    if len(text) > NAME_MAX:
        raise ValidationError(f"“{text[:20]}…” is longer than {NAME_MAX} characters, too long for a label.")
    return text


def label_named(account: BusinessAccount, name: str) -> Label:
    """``account``'s label called ``name`` (any case), created (grey) if it has none yet."""
    text = clean_label_name(name)
    found = Label.objects.filter(account=account, name__iexact=text).order_by("pk").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Label.objects.create(account=account, name=text)
    except IntegrityError:  # made meanwhile by somebody else
        return Label.objects.get(account=account, name=text)
