"""The admin shows each user only the business accounts and numbers granted to them.

Every product ModelAdmin (accounts, messaging, templates_mgr, media_lib) mixes this in and names
the lookup from its model to the business account (``scope_account``) and, for rows that belong
to one number, to the phone number (``scope_phone``). The change form of a row outside the scope
is Django's "does not exist" redirect, because it goes through ``get_queryset`` too. Superusers
and administrators see everything (``accounts.access``).
"""

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet

from .access import accessible_accounts, accessible_phone_numbers, sees_every_number
from .models import BusinessAccount, PhoneNumber


class ScopedAdminMixin:
    # Lookup path to the BusinessAccount ("" for the account itself); to the PhoneNumber, if any.
    scope_account: str | None = None
    scope_phone: str | None = None

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        user = request.user
        if sees_every_number(user):
            return queryset
        model = queryset.model
        inside = model._default_manager.all()
        if self.scope_phone is not None:
            inside = inside.filter(**{_lookup(self.scope_phone): accessible_phone_numbers(user)})
        elif self.scope_account is not None:
            inside = inside.filter(**{_lookup(self.scope_account): accessible_accounts(user)})
        else:
            return queryset.none()  # a product model that says nothing about its owner: nobody's
        # A subquery, so a path through a many-valued relation does not repeat rows.
        return queryset.filter(pk__in=inside.values("pk"))

    def get_list_filter(self, request):
        # Django's filter on a relation lists every row of the related model: a filter by account
        # or number would name other businesses. Offer only what the (scoped) list holds.
        filters = super().get_list_filter(request)
        if sees_every_number(request.user):
            return filters
        return tuple(_scoped_filter(self.model, item) for item in filters)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Choices offered in a form (e.g. the account of an upload) stay inside the scope too.
        if db_field.related_model is BusinessAccount:
            kwargs.setdefault("queryset", accessible_accounts(request.user))
        elif db_field.related_model is PhoneNumber:
            kwargs.setdefault("queryset", accessible_phone_numbers(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _scoped_filter(model, item):
    if not isinstance(item, str) or "__" in item:
        return item
    try:
        field = model._meta.get_field(item)
    except FieldDoesNotExist:
        return item
    if field.is_relation and field.related_model in (BusinessAccount, PhoneNumber):
        return (item, RelatedOnlyFieldListFilter)
    return item


def _lookup(path: str) -> str:
    return f"{path}__in" if path else "pk__in"


def account_path_of(model_admin) -> str | None:
    """The lookup from the admin's model to its account, for audit entries (``None``: none)."""
    return getattr(model_admin, "scope_account", None)
