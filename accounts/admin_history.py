"""Records are shown in the admin, never rewritten there — for every user, superusers included.

What a customer said, what Meta reported and what happened (webhook events, messages, status
events, account events …) is read-only: no add, no delete, and a change form that only shows.
The changelist's actions stay available (``has_change_permission`` without an object is
unchanged): they go through services, which check and audit what they do.
"""


class ReadOnlyHistoryMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None:
            return False  # the form of one record: shown read-only, a POST to it is refused (403)
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Raw bytes are left out of the page: the text beside them shows what they say.
        names = [field.name for field in self.model._meta.fields if field.get_internal_type() != "BinaryField"]
        return list(dict.fromkeys([*names, *super().get_readonly_fields(request, obj)]))


class FixedOnceSavedMixin:
    """Fields that say whose a row is, or what Meta named it, shown read-only once the row exists
    (``fixed_once_saved``): moving it to another account or another Meta object would rewrite history."""

    fixed_once_saved: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        fixed = self.fixed_once_saved if obj is not None else ()
        return list(dict.fromkeys([*super().get_readonly_fields(request, obj), *fixed]))
