"""Who may see which phone numbers. Every console query starts from here."""

from django.db.models import QuerySet

from . import roles
from .models import PhoneNumber


def sees_every_number(user) -> bool:
    return user.is_superuser or user.groups.filter(name=roles.ADMINISTRATOR).exists()


def accessible_phone_numbers(user) -> QuerySet[PhoneNumber]:
    """Numbers ``user`` may work: all for administrators, the granted ones for everybody else."""
    if not user.is_authenticated:
        return PhoneNumber.objects.none()
    if sees_every_number(user):
        return PhoneNumber.objects.all()
    return PhoneNumber.objects.filter(operators=user)
