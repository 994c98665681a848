"""The console's live parts every page carries: the notifier (poll, sound, title) and the presence
heartbeat, configured from settings."""

from django import template
from django.conf import settings
from django.urls import reverse

from ..services.presence import heartbeat_seconds

register = template.Library()


@register.inclusion_tag("messaging/_notifier.html", takes_context=True)
def notifier(context):
    """The notifier's controls for a console user (nothing for anybody who cannot view conversations)."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not user.has_perm("messaging.view_conversation"):
        return {"enabled": False}
    return {
        "enabled": True,
        "notify_url": reverse("messaging:notify"),
        "presence_url": reverse("messaging:presence-heartbeat"),
        # The page puts the open conversation's id in place of the 0.
        "canned_url": reverse("messaging:conversation-canned-replies", args=[0]),
        "poll_seconds": int(getattr(settings, "NOTIFY_POLL", 5)),
        "heartbeat_seconds": heartbeat_seconds(),
    }
