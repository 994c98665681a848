"""People and roles: adding a person, giving roles, granting numbers, deactivating.

The Settings page (Settings → People and roles) and nothing else calls these, so nobody needs the
Django admin to set up a team. Role and number changes are audited by ``audit_signals`` (the
m2m changes, attributed to ``actor`` through :func:`acting_as`); adding, deactivating and
reactivating write their own entry. No entry holds a password or a set-password token.

Two guards keep the team able to run itself: an administrator can't deactivate themselves, and
nothing takes away the last active administrator (superusers count as administrators).
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .. import roles
from ..models import PhoneNumber
from .audit import acting_as, record_audit

LINK = "link"
TEMPORARY = "temporary"


@dataclass(frozen=True)
class Welcome:
    """How a new person gets in, shown once to the administrator who added them."""

    user: object
    temporary_password: str = ""
    set_password_path: str = ""  # the view builds the absolute URL from the request


def mail_is_configured() -> bool:
    """Whether ``EMAIL_HOST`` is set: only then is anything e-mailed (never required)."""
    return bool(getattr(settings, "EMAIL_HOST", ""))


@transaction.atomic
def add_person(
    *,
    actor,
    username: str,
    email: str,
    name: str = "",
    role_names: Iterable[str] = (),
    phone_numbers: Iterable[PhoneNumber] = (),
    password: str = LINK,
) -> Welcome:
    """Create an active user with ``role_names`` and ``phone_numbers``.

    ``password`` is :data:`LINK` (no usable password until they follow a set-password link) or
    :data:`TEMPORARY` (a random password, returned once). Raises ``ValidationError`` keyed by
    field for a taken username or e-mail address, or an unknown role.
    """
    user_model = get_user_model()
    username, email = username.strip(), user_model.objects.normalize_email(email.strip())
    errors = {}
    if user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"There is already somebody with the username {username}."]
    if email and user_model.objects.filter(email__iexact=email).exists():
        errors["email"] = [f"There is already somebody with the e-mail address {email}."]
    groups = _role_groups(role_names)
    if errors:
        raise ValidationError(errors)
    user = user_model(username=username, email=email, first_name=name.strip()[:150], is_active=True)
    temporary = ""
    if password == TEMPORARY:
        temporary = _temporary_password(user)
        user.set_password(temporary)
    else:
        user.set_unusable_password()
    user.save()
    record_audit(
        actor=actor,
        action="user.added",
        obj=user,
        details={"username": username, "roles": [group.name for group in groups], "password": password},
    )
    with acting_as(actor):
        user.groups.add(*groups)
        user.phone_numbers.add(*phone_numbers)
    return Welcome(user=user, temporary_password=temporary,
                   set_password_path="" if temporary else set_password_path(user))


def set_password_path(user) -> str:
    """The set-password page for ``user``: Django's password-reset token, so it works once (setting
    the password or logging in invalidates it) and for ``PASSWORD_RESET_TIMEOUT`` seconds."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password-set", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


def new_set_password_link(*, actor, user) -> str:
    """A fresh set-password path for ``user`` (forgotten password, lost link); audited."""
    if not user.is_active:
        raise ValidationError(f"{user.get_username()} is deactivated: reactivate them first.")
    record_audit(actor=actor, action="user.password_link", obj=user)
    return set_password_path(user)


def mail_set_password_link(*, user, url: str) -> bool:
    """E-mail ``url`` to ``user`` when mail is configured and they have an address; whether it went."""
    if not (mail_is_configured() and user.email):
        return False
    send_mail(
        subject="Your Switchboard account",
        message=(
            f"Hello {user.get_full_name() or user.get_username()},\n\n"
            f"An administrator added you to Switchboard as {user.get_username()}. "
            f"Choose your password here (the link works once):\n\n{url}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


@transaction.atomic
def set_access(*, actor, user, role_names: Iterable[str], phone_numbers: Iterable[PhoneNumber]) -> None:
    """Give ``user`` exactly ``role_names`` and ``phone_numbers`` (operators, template managers and
    support see only their numbers). Refused, changing nothing, if it would leave no active
    administrator."""
    groups = _role_groups(role_names)
    if roles.ADMINISTRATOR not in {group.name for group in groups} and not user.is_superuser:
        _refuse_losing_last_administrator(user, "remove the Administrator role of")
    current_groups = set(user.groups.filter(name__in=roles.ROLES))
    wanted_numbers, current_numbers = set(phone_numbers), set(user.phone_numbers.all())
    with acting_as(actor):
        user.groups.remove(*(current_groups - set(groups)))
        user.groups.add(*(set(groups) - current_groups))
        user.phone_numbers.remove(*(current_numbers - wanted_numbers))
        user.phone_numbers.add(*(wanted_numbers - current_numbers))


@transaction.atomic
def deactivate_person(*, actor, user) -> None:
    """Stop ``user`` logging in (their sessions end with it); their name stays on everything they did."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("You can't deactivate yourself: ask another administrator.")
    if not user.is_active:
        return
    _refuse_losing_last_administrator(user, "deactivate")
    user.is_active = False
    user.save(update_fields=["is_active"])
    record_audit(actor=actor, action="user.deactivated", obj=user)


@transaction.atomic
def reactivate_person(*, actor, user) -> None:
    """Let a deactivated ``user`` log in again, with the roles and numbers they had."""
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_audit(actor=actor, action="user.reactivated", obj=user)


def active_administrators():
    """Active superusers and holders of the Administrator role."""
    administrator = Q(is_superuser=True) | Q(groups__name=roles.ADMINISTRATOR)
    return get_user_model().objects.filter(administrator, is_active=True).distinct()


def _refuse_losing_last_administrator(user, doing: str) -> None:
    if not active_administrators().filter(pk=user.pk).exists():
        return
    if not active_administrators().exclude(pk=user.pk).exists():
        raise ValidationError(
            f"You can't {doing} {user.get_username()}: they are the last administrator, and nobody could "
            "run Settings any more. Make somebody else an administrator first."
        )


def _role_groups(role_names: Iterable[str]) -> list[Group]:
    names = list(dict.fromkeys(role_names))
    unknown = [name for name in names if name not in roles.ROLES]
    if unknown:
        raise ValidationError({"roles": [f"Unknown role: {', '.join(unknown)}."]})
    groups = list(Group.objects.filter(name__in=names).order_by("name"))
    if len(groups) < len(names):  # a database migrated before a role existed
        roles.sync_roles()
        groups = list(Group.objects.filter(name__in=names).order_by("name"))
    return groups


def _temporary_password(user) -> str:
    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            validate_password(candidate, user)
        except ValidationError:
            continue
        return candidate
