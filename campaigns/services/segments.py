"""Segments: the account's contacts matching every rule of a saved audience.

A rule is a dict with a ``type``; ``contacts_in`` turns the list into one query. Types understood here:
``{"type": "label", "label": <Label id>}`` (tagged with it) and ``{"type": "opted_in"}`` (has not
opted out of marketing). An unknown type raises ``ValueError``: a segment never silently widens.
"""

from django.db.models import Q, QuerySet

from messaging.models import Contact

from ..models import Segment


def contacts_in(segment: Segment) -> QuerySet[Contact]:
    """The segment's account's contacts matching all its rules, each once."""
    query = Q()
    for rule in segment.rules or []:
        query &= _rule(rule)
    return Contact.objects.filter(account_id=segment.account_id).filter(query).distinct()


def _rule(rule: dict) -> Q:
    kind = rule.get("type") if isinstance(rule, dict) else None
    if kind == "label":
        return Q(labels__id=rule.get("label"))
    if kind == "opted_in":
        return Q(opted_out=False)
    raise ValueError(f"Unknown segment rule: {rule!r}")
