"""URLs of apps above messaging, which it reaches by URL name and never by import."""

from django.urls import NoReverseMatch, reverse


def url_or_blank(name: str, *args) -> str:
    """The URL named ``name``, or ``""`` when its app is not installed (its pieces then degrade)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
