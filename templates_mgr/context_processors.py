"""What every page needs from templates: the submitter's unseen notices (approved, rejected, paused)."""

from django.utils.functional import SimpleLazyObject

from .services.notices import unseen_notices

MAX_NOTICES = 5


def template_notices(request) -> dict:
    """``template_notices``: one query, run only if a page shows them; nothing for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"template_notices": SimpleLazyObject(lambda: list(unseen_notices(user)[:MAX_NOTICES]))}
