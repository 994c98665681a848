"""What every console page needs from accounts: the banners of account news still to act on."""

from django.utils.functional import SimpleLazyObject

from .models import AccountEvent
from .selectors import account_banners_for

MAX_BANNERS = 10


def account_banners(request) -> dict:
    """``account_banners``, looked up only if a page shows them; nothing for anonymous users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"account_banners": SimpleLazyObject(lambda: _banners(user))}


def _banners(user) -> list[AccountEvent]:
    # Mostly no account has news up: one look at a small partial index spares every page the
    # banner query, whose tenancy and audience rules cost milliseconds to build (bench/console).
    if not AccountEvent.objects.filter(active=True).exists():
        return []
    return list(account_banners_for(user)[:MAX_BANNERS])


def admin_access(request) -> dict:
    """``uses_admin``: whether the top bar links to the admin (asked only where a page shows it)."""
    from .admin_site import may_use_admin  # imports the admin, which is not loaded with settings

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"uses_admin": SimpleLazyObject(lambda: may_use_admin(user))}
