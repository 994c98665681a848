"""The Django admin's site: open to the roles that work there (Support, Administrator), not to a
hand-ticked "staff status".

Why a site rather than keeping ``is_staff`` in step with the groups from an m2m signal: the role is
then the one fact that decides, so taking the role away closes the admin at once, users made
before this code (or by a fixture, a shell, a bulk ``groups.set``) need no back-fill, and there is
no second flag that can drift from the groups. ``is_staff`` still lets in whoever has it.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest

from . import roles
from .access import held_roles
from .query_params import ID_MAX, parse_id

ADMIN_ROLES = (roles.SUPPORT, roles.ADMINISTRATOR)


def may_use_admin(user) -> bool:
    """Whether ``user`` may enter the admin: active, and staff, superuser or holding an admin role."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or not held_roles(user).isdisjoint(ADMIN_ROLES)


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

    def admin_view(self, view, cacheable=False):
        """Every admin page, after the permission check, with hand-edited ids made harmless.

        Python's int has no limit but the database's does, and Django's admin hands an action's
        selection and a list's ``?field=value`` filters straight to the query: a number too big
        (or, in a selection, not a number at all) was a 500.
        """

        @wraps(view)
        def checked(request, *args, **kwargs):
            if request.method == "POST" and helpers.ACTION_CHECKBOX_NAME in request.POST:
                request.POST = _valid_selection(request.POST)
            too_big = [name for name, value in request.GET.items() if name not in _TEXT_PARAMS and _beyond_ids(value)]
            if too_big:
                return HttpResponseBadRequest(
                    f"The number given for {', '.join(sorted(too_big))} is out of range.", content_type="text/plain"
                )
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)


# Query parameters that are text (a search), never compared with an id.
_TEXT_PARAMS = {"q", "_changelist_filters"}


def _valid_selection(post):
    """The POST with only the selected ids the database can hold (every admin model has integer ids)."""
    cleaned = post.copy()
    cleaned.setlist(
        helpers.ACTION_CHECKBOX_NAME,
        [value for value in post.getlist(helpers.ACTION_CHECKBOX_NAME) if parse_id(value) is not None],
    )
    return cleaned


def _beyond_ids(value: str) -> bool:
    text = value.strip().lstrip("-")
    if not (text.isascii() and text.isdecimal()):
        return False
    return len(text) > len(str(ID_MAX)) or int(text) > ID_MAX  # the length first: int() refuses 4,300+ digits
