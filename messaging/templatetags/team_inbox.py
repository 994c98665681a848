"""The team inbox's bits of template: system lines in words, notes' mentions, the unseen count."""

import re

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils import timezone

from ..selectors.mentions import unseen_mention_count as count_unseen_mentions

register = template.Library()

_MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
_STATE_WORDS = {"open": "open", "pending": "pending", "snoozed": "snoozed", "resolved": "resolved"}


@register.filter
def mention_links(body: str):
    """The note's text, escaped, with line breaks kept and ``@names`` set apart."""
    text = escape(body or "")
    text = _MENTION.sub(lambda m: f'<strong class="mention">@{m.group(1)}</strong>', text)
    return mark_safe(text.replace("\n", "<br>"))


def _until(details: dict) -> str:
    at = parse_datetime(details.get("until") or "")
    return f" until {timezone.localtime(at):%b %-d, %H:%M}" if at else ""


@register.filter
def event_sentence(event) -> str:
    """A system line in words: who did what (the customer, a person, the timer)."""
    who = event.actor.get_username() if event.actor_id and event.actor else ""
    details = event.details or {}
    kind = event.kind
    was = _STATE_WORDS.get(details.get("from", ""), "")
    if kind == "opened":
        return "The customer wrote: conversation opened"
    if kind == "reopened":
        return f"Reopened: the customer wrote{f' (was {was})' if was else ''}"
    if kind == "marked_open":
        if details.get("snooze_ended"):
            return "Snooze ended: conversation reopened"
        return f"{who or 'Someone'} reopened the conversation"
    if kind == "pending":
        return f"{who or 'Someone'} marked it pending (waiting on the customer)"
    if kind == "snoozed":
        return f"{who or 'Someone'} snoozed it{_until(details)}"
    if kind == "resolved":
        return f"{who or 'Someone'} resolved the conversation"
    if kind == "assigned":
        to = details.get("to") or ""
        return f"{who or 'Someone'} assigned it to {to}" if to else f"{who or 'Someone'} unassigned it"
    if kind == "labelled":
        if details.get("added"):
            return f"{who or 'Someone'} added the label {', '.join(details['added'])}"
        return f"{who or 'Someone'} removed the label {', '.join(details.get('removed', []))}"
    return event.get_kind_display()


@register.simple_tag(takes_context=True)
def unseen_mention_count(context) -> int:
    """How many mentions the page's user has not seen (selectors.mentions.unseen_mention_count)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return 0
    return count_unseen_mentions(user)
