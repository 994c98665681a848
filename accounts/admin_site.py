"""The Django admin's site: open to the roles that work there (Support, Administrator), not to a
hand-ticked "staff status".

Why a site rather than keeping ``is_staff`` in step with the groups from an m2m signal: the role is
then the one fact that decides, so taking the role away closes the admin at once, users made
before this code (or by a fixture, a shell, a bulk ``groups.set``) need no back-fill, and there is
no second flag that can drift from the groups. ``is_staff`` still lets in whoever has it.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from . import roles

ADMIN_ROLES = (roles.SUPPORT, roles.ADMINISTRATOR)


def may_use_admin(user) -> bool:
    """Whether ``user`` may enter the admin: active, and staff, superuser or holding an admin role."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or user.groups.filter(name__in=ADMIN_ROLES).exists()


class RoleAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, accepting the same people the site lets in."""

    def confirm_login_allowed(self, user) -> None:
        if not may_use_admin(user):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                                  params={"username": self.username_field.verbose_name})


class SwitchboardAdminSite(admin.AdminSite):
    login_form = RoleAuthenticationForm

    def has_permission(self, request) -> bool:
        return may_use_admin(request.user)
