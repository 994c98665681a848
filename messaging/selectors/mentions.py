"""A user's mentions: the unseen ones (the nav's count, the notifier) and their list page."""

from django.contrib.auth.models import Group
from django.db.models import Exists, Q, QuerySet

from accounts import roles
from accounts.access import accessible_phone_numbers

from ..models import Mention

MENTIONS_PAGE = 100


def unseen_mentions(user) -> QuerySet[Mention]:
    """``user``'s mentions not seen yet, newest first, in conversations they may still see
    (one indexed query: ``mention_unseen_idx``)."""
    if not getattr(user, "is_authenticated", False):
        return Mention.objects.none()
    mentions = Mention.objects.filter(user=user, seen_at__isnull=True)
    if user.is_superuser:
        return mentions
    # accessible_phone_numbers' rule as one query (the nav asks on every page): administrators see
    # every number, everybody else the numbers granted to them.
    administrator = Exists(Group.objects.filter(user=user.pk, name=roles.ADMINISTRATOR))
    return mentions.filter(administrator | Q(note__conversation__phone_number__operators=user.pk))


def unseen_mention_count(user) -> int:
    """How many of ``user``'s mentions :func:`unseen_mentions` gives: the nav shows it on every page.
    Mostly nobody has one waiting, and a look at their own rows of ``mention_unseen_idx`` says so
    for a third of what building the count scoped by their numbers costs."""
    if not getattr(user, "is_authenticated", False):
        return 0
    if not Mention.objects.filter(user=user, seen_at__isnull=True).exists():
        return 0
    return unseen_mentions(user).count()


def mentions_for(user, *, limit: int = MENTIONS_PAGE) -> list[Mention]:
    """``user``'s newest mentions (seen or not), with their note, its author and conversation."""
    return list(
        Mention.objects.filter(user=user, note__conversation__phone_number__in=accessible_phone_numbers(user))
        .select_related("note__author", "note__conversation__contact", "note__conversation__phone_number")
        .order_by("-created_at", "-id")[:limit]
    )
