"""Small display helpers for the console's templates."""

from datetime import timedelta

from django import template
from django.utils import timezone

from ..url_names import url_or_blank

register = template.Library()


@register.filter
def activity_time(value):
    """"14:05" today, "Mon 14:05" this week, "3 Mar" this year, "3 Mar 2024" before."""
    if not value:
        return ""
    local, now = timezone.localtime(value), timezone.localtime()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if (now.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b')}"
    return f"{local.day} {local.strftime('%b %Y')}"


register.simple_tag(url_or_blank, name="url_if_available")

WINDOW_SOON = timedelta(hours=1)
WINDOW_URGENT = timedelta(minutes=10)


@register.filter
def window_urgency(until):
    """"urgent" under 10 minutes left in the window, "soon" under an hour, else "" (for a CSS class)."""
    if not until:
        return ""
    left = until - timezone.now()
    if left < WINDOW_URGENT:
        return "urgent"
    return "soon" if left < WINDOW_SOON else ""


@register.filter
def status_timeline(message):
    """The outbound bubble's hover text: each call to Meta and every status Meta reported, with times."""
    def at(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")

    who = f" by {message.sent_by.get_username()}" if message.sent_by_id and message.sent_by else ""
    lines = [f"Queued {at(message.created_at)}{who}"]
    for attempt in getattr(message, "send_attempt_rows", ()):  # the thread selector fetched them
        code = f" (error {attempt.error_code})" if attempt.error_code is not None else ""
        trace = f", fbtrace {attempt.fbtrace_id}" if attempt.fbtrace_id else ""
        lines.append(f"Attempt {attempt.number} {at(attempt.started_at)}: {attempt.get_outcome_display()}{code}{trace}")
    for event in message.status_events.all():
        code = f" (error {message.error_code})" if event.status == "failed" and message.error_code else ""
        lines.append(f"{event.status.capitalize()} {at(event.timestamp)}{code}")
    if not message.status_events.all():
        lines.append(f"Now: {message.get_status_display()}")
    return "\n".join(lines)


@register.filter
def map_link(payload):
    """An OpenStreetMap link for a location payload's coordinates ("" when they are not numbers)."""
    try:
        latitude, longitude = float(payload.get("latitude")), float(payload.get("longitude"))
    except (TypeError, ValueError, AttributeError):
        return ""
    return f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=16/{latitude}/{longitude}"


@register.filter
def flow_fields(response):
    """A flow answer's ``(label, value)`` pairs: the Flow JSON's labels, or the raw field names."""
    from ..services.flow_answers import labelled_fields

    return labelled_fields(response) if response is not None else []
