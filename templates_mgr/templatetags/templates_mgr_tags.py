from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_words(value) -> str:
    """``timedelta(hours=27, minutes=5)`` → ``1 d 3 h``; ``timedelta(seconds=40)`` → ``under a minute``."""
    if not isinstance(value, timedelta):
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
