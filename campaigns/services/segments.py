"""Segments: the account's contacts matching every rule of a saved audience.

A rule is a dict with a ``type``; ``contacts_in`` turns the list into one query (each rule an
``EXISTS`` or a column test, so no join multiplies contacts). Types:

- ``{"type": "label", "label": <Label id>}``: tagged with the label; ``"no_label"``: not tagged with it.
- ``{"type": "attribute", "name": "city", "op": "equals" | "contains" | "is_set" | "is_empty", "value": "Leeds"}``:
  equals and contains ignore case; ``is_empty`` also holds when the contact has no such attribute.
- ``{"type": "wrote_within", "days": 30}``: wrote to one of the account's numbers in the last N days.
- ``{"type": "opted_in"}``: has not opted out of marketing.

``validate_rules`` checks a list (from a form or a file) and says, rule by rule, what is wrong;
``contacts_in`` raises ``ValueError`` on a rule it does not understand: a segment never silently widens.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact, IContains, IExact, IsNull
from django.utils import timezone

from accounts.models import BusinessAccount
from accounts.services.audit import record_audit
from messaging.models import Contact, Conversation, Label
from messaging.services.contact_profile import ATTRIBUTE_VALUE_MAX, attribute_name

from ..models import Segment

RULE_TYPES = {
    "label": "Has label",
    "no_label": "Has not label",
    "attribute": "Attribute",
    "wrote_within": "Wrote in the last N days",
    "opted_in": "Opted in to marketing",
}
ATTRIBUTE_OPS = {"equals": "equals", "contains": "contains", "is_set": "is set", "is_empty": "is empty"}
MAX_RULES = 20
MAX_DAYS = 3650
SAMPLE_SIZE = 10


def contacts_in(segment: Segment) -> QuerySet[Contact]:
    """The segment's account's contacts matching all its rules, each once."""
    return contacts_matching(account_id=segment.account_id, rules=segment.rules or [])


def contacts_matching(*, account_id: int, rules: list[dict]) -> QuerySet[Contact]:
    """The account's contacts matching all ``rules`` (already valid), each once, in one query."""
    query = Q()
    for rule in rules:
        query &= _rule(rule)
    return Contact.objects.filter(account_id=account_id).filter(query)


def _rule(rule: dict) -> Q:
    kind = rule.get("type") if isinstance(rule, dict) else None
    if kind in ("label", "no_label"):
        tagged = Exists(Contact.labels.through.objects.filter(contact_id=OuterRef("pk"), label_id=rule.get("label")))
        return Q(tagged) if kind == "label" else ~Q(tagged)
    if kind == "attribute":
        text, op, value = KeyTextTransform(rule.get("name"), "attributes"), rule.get("op"), rule.get("value", "")
        if op == "equals":
            return Q(IExact(text, value))
        if op == "contains":
            return Q(IContains(text, value))
        if op == "is_set":
            return Q(IsNull(text, False)) & ~Q(Exact(text, ""))
        if op == "is_empty":
            return Q(IsNull(text, True)) | Q(Exact(text, ""))
    if kind == "wrote_within":
        since = timezone.now() - timedelta(days=int(rule.get("days")))
        return Q(Exists(Conversation.objects.filter(contact_id=OuterRef("pk"), last_inbound_at__gte=since)))
    if kind == "opted_in":
        return Q(opted_out=False)
    raise ValueError(f"Unknown segment rule: {rule!r}")


def validate_rules(*, account: BusinessAccount, rules) -> list[dict]:
    """The rules, cleaned (only the keys each type uses); ``ValidationError`` listing every bad
    rule by its number (“Rule 2: choose a label.”)."""
    if not isinstance(rules, list):
        raise ValidationError("The rules must be a list.")
    if len(rules) > MAX_RULES:
        raise ValidationError(f"At most {MAX_RULES} rules in a segment.")
    label_ids = set(Label.objects.filter(account=account).values_list("pk", flat=True))
    cleaned, errors = [], []
    for number, rule in enumerate(rules, start=1):
        try:
            cleaned.append(_clean(rule, label_ids))
        except ValidationError as exc:
            errors.append(f"Rule {number}: {exc.messages[0]}")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean(rule, label_ids: set[int]) -> dict:
    if not isinstance(rule, dict) or rule.get("type") not in RULE_TYPES:
        raise ValidationError(f"choose one of: {', '.join(RULE_TYPES.values()).lower()}.")
    kind = rule["type"]
    if kind in ("label", "no_label"):
        try:
            label = int(rule.get("label"))
        except (TypeError, ValueError):
            raise ValidationError("choose a label.") from None
        if label not in label_ids:
            raise ValidationError("that label is not one of this account's (deleted?).")
        return {"type": kind, "label": label}
    if kind == "attribute":
        name = attribute_name(str(rule.get("name") or ""))
        op = rule.get("op")
        if op not in ATTRIBUTE_OPS:
            raise ValidationError(f"choose how to compare {name}: {', '.join(ATTRIBUTE_OPS.values())}.")
        if op in ("is_set", "is_empty"):
            return {"type": kind, "name": name, "op": op}
        value = str(rule.get("value") or "").strip()
        if not value:
            raise ValidationError(f"give the value {name} {ATTRIBUTE_OPS[op]}.")
        if len(value) > ATTRIBUTE_VALUE_MAX:
            raise ValidationError(f"the value is longer than {ATTRIBUTE_VALUE_MAX} characters.")
        return {"type": kind, "name": name, "op": op, "value": value}
    if kind == "wrote_within":
        try:
            days = int(str(rule.get("days")).strip())
        except (TypeError, ValueError):
            raise ValidationError("give a number of days.") from None
        if not 1 <= days <= MAX_DAYS:
            raise ValidationError(f"the number of days must be between 1 and {MAX_DAYS}.")
        return {"type": kind, "days": days}
    return {"type": kind}


def describe_rule(rule: dict, labels: dict[int, str]) -> str:
    """A rule in words, for the segment list (“has label VIP”, “city equals Leeds”)."""
    kind = rule.get("type")
    if kind in ("label", "no_label"):
        name = labels.get(rule.get("label"), "(deleted label)")
        return f"has label {name}" if kind == "label" else f"has not label {name}"
    if kind == "attribute":
        text = f"{rule.get('name')} {ATTRIBUTE_OPS.get(rule.get('op'), rule.get('op'))}"
        return f"{text} “{rule['value']}”" if rule.get("value") else text
    if kind == "wrote_within":
        return f"wrote in the last {rule.get('days')} days"
    if kind == "opted_in":
        return "opted in to marketing"
    return str(rule)


def save_segment(*, account: BusinessAccount, name: str, rules, user, segment: Segment | None = None) -> Segment:
    """Create (``segment`` None) or change a segment; ``ValidationError`` keyed ``name`` / ``rules``; audited."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the segment a name."})
    if len(name) > Segment._meta.get_field("name").max_length:
        raise ValidationError({"name": "The name is too long (100 characters at most)."})
    try:
        cleaned = validate_rules(account=account, rules=rules)
    except ValidationError as exc:
        raise ValidationError({"rules": exc.messages}) from None
    creating = segment is None
    segment = segment or Segment(account=account, created_by=user)
    segment.name, segment.rules = name, cleaned
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise ValidationError({"name": f"This account already has a segment called “{name}”."}) from None
    record_audit(actor=user, action="segment.create" if creating else "segment.change", obj=segment,
                 details={"name": name, "rules": len(cleaned)})
    return segment


def delete_segment(*, segment: Segment, user) -> None:
    """Delete a segment (campaigns that used it keep their recipients); audited."""
    record_audit(actor=user, action="segment.delete", obj=segment, details={"name": segment.name})
    segment.delete()
