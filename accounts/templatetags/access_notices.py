"""Notices for people the roles would otherwise leave in front of an empty page: whom to ask."""

from django import template

from ..access import accessible_phone_numbers, has_role, number_granters

register = template.Library()


@register.inclusion_tag("accounts/_no_access.html", takes_context=True)
def no_numbers_notice(context):
    """Says who can grant a phone number, when the page's user has none (nothing otherwise)."""
    user = context["request"].user
    if not user.is_authenticated or accessible_phone_numbers(user).exists():
        return {"show": False}
    return {"show": True, "missing": "number", "granters": list(number_granters())}


@register.inclusion_tag("accounts/_no_access.html", takes_context=True)
def no_role_notice(context):
    """Says who can give a role, when the page's user holds none (nothing otherwise)."""
    user = context["request"].user
    if not user.is_authenticated or has_role(user):
        return {"show": False}
    return {"show": True, "missing": "role", "granters": list(number_granters())}
