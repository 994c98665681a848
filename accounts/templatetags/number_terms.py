"""Meta's codes as words on the Settings number pages."""

from datetime import timedelta

from django import template

from ..meta_terms import humanize, tier_label

register = template.Library()


@register.filter
def meta_words(code) -> str:
    """``CLOUD_API`` → ``Cloud API``; empty stays empty (so ``|default`` applies)."""
    return humanize(str(code)) if code else ""


@register.filter
def tier_words(tier) -> str:
    """``TIER_2K`` → ``2,000 customers / 24 h``; empty → "not known yet"."""
    return tier_label(str(tier)) if tier else "not known yet"


@register.filter
def duration_words(delta) -> str:
    """A lock's remaining time as ``71 h 58 min``."""
    if not isinstance(delta, timedelta):
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
