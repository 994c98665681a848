"""Who may see which phone numbers. Every console query starts from here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Exists, Q, QuerySet

from . import roles
from .models import BusinessAccount, PhoneNumber

# Bumped by every change of group membership (or of a group) in this process: a user object's
# remembered groups (held_roles) are read again after one.
_memberships_changed = 0


def held_roles(user) -> frozenset[str]:
    """The names of the groups ``user`` is in, read once per user object: a console page asks up to
    four times (the nav's admin link, the access checks, the no-role notice), and a request loads
    its user afresh, so one query answers them all. Read again after any change of membership."""
    if not user.is_authenticated:
        return frozenset()
    remembered = getattr(user, "_held_roles", None)
    if remembered is None or remembered[0] != _memberships_changed:
        remembered = (_memberships_changed, frozenset(user.groups.values_list("name", flat=True)))
        user._held_roles = remembered
    return remembered[1]


def forget_held_roles(**kwargs) -> None:
    """Signal receiver (accounts' ``ready()``): a membership or a group changed, so every user
    object's remembered groups are out of date."""
    global _memberships_changed
    _memberships_changed += 1


def sees_every_number(user) -> bool:
    return user.is_superuser or roles.ADMINISTRATOR in held_roles(user)


def accessible_phone_numbers(user) -> QuerySet[PhoneNumber]:
    """Numbers ``user`` may work: all for administrators, the granted ones for everybody else."""
    if not user.is_authenticated:
        return PhoneNumber.objects.none()
    if sees_every_number(user):
        return PhoneNumber.objects.all()
    return PhoneNumber.objects.filter(operators=user)


def accessible_accounts(user) -> QuerySet[BusinessAccount]:
    """Accounts of the numbers :func:`accessible_phone_numbers` gives ``user``, by the same rule,
    but as one lazy query (the administrator check is a subquery), so it can sit inside another."""
    if not user.is_authenticated:
        return BusinessAccount.objects.none()
    if user.is_superuser:
        return BusinessAccount.objects.all()
    administrator = Exists(Group.objects.filter(user=user.pk, name=roles.ADMINISTRATOR))
    granted = PhoneNumber.objects.filter(operators=user.pk).values("account_id")
    return BusinessAccount.objects.filter(administrator | Q(pk__in=granted))


def number_granters():
    """The active people who may grant numbers and roles (superusers and administrators), by username:
    whom a user without numbers or without a role should ask."""
    administrator = Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR)
    return get_user_model().objects.filter(administrator, is_active=True).distinct().order_by("username")


def has_role(user) -> bool:
    """Whether ``user`` holds any role (or is a superuser): without one, no console page opens."""
    return user.is_superuser or not held_roles(user).isdisjoint(roles.ROLES)


# The roles that answer customers: what they open counts as read (blue ticks on the customer's phone).
_READING_ROLES = (roles.OPERATOR, roles.ADMINISTRATOR)


def reads_for_customers(user, phone_number: PhoneNumber) -> bool:
    """Whether ``user`` opening a thread of ``phone_number`` marks it read: an Operator or
    Administrator (or superuser) who may work that number. Support and Template managers only look."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # One query (the thread page counts its queries): holds the role, and works the number.
    reads = Exists(Group.objects.filter(user=user.pk, name__in=_READING_ROLES))
    administrator = Exists(Group.objects.filter(user=user.pk, name=roles.ADMINISTRATOR))
    return PhoneNumber.objects.filter(reads, administrator | Q(operators=user.pk), pk=phone_number.pk).exists()
