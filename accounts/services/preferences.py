"""Per-person console preferences (stored server-side, so they follow the person to any browser)."""

from ..models import ConsolePreference


def enter_sends_for(*, user) -> bool:
    """Whether Enter sends in ``user``'s composer (the default until they change it)."""
    if not getattr(user, "is_authenticated", False):
        return True
    preference = ConsolePreference.objects.filter(user=user).only("enter_sends").first()
    return preference.enter_sends if preference is not None else True


def set_enter_sends(*, user, enter_sends: bool) -> ConsolePreference:
    """Store whether Enter sends (True) or starts a new line (False, Shift+Enter sends then)."""
    preference, _ = ConsolePreference.objects.update_or_create(user=user, defaults={"enter_sends": enter_sends})
    return preference
