"""Every change made in the product's admin leaves an ``AuditEntry``.

Mixed into each product ModelAdmin (after ``ScopedAdminMixin``): actions are wrapped so each
selected object gets an entry (``admin.<model>.<action>``), and the change form's saves and the
deletions do too (``admin.<model>.add|change|delete``, with the names of the changed fields,
never their values). Actions whose service writes its own entry with the reason (replay,
resend, mark failed) are listed in ``service_audited_actions`` and not recorded twice.
"""

from functools import wraps

from .admin_scope import account_path_of
from .services.audit import record_audit, record_audits


class AuditedAdminMixin:
    service_audited_actions: tuple[str, ...] = ()

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name, (func, action_name, description) in list(actions.items()):
            # delete_selected is recorded by log_deletions, before the rows go.
            if name in self.service_audited_actions or name == "delete_selected":
                continue
            actions[name] = (self._audited(func, action_name), action_name, description)
        return actions

    def _audited(self, func, action_name: str):
        @wraps(func)
        def action(modeladmin, request, queryset):
            selected = self._objects_with_accounts(queryset)
            response = func(modeladmin, request, queryset)
            record_audits(actor=request.user, action=self._code(action_name), objects=selected)
            return response

        return action

    def log_addition(self, request, obj, message):
        record_audit(actor=request.user, action=self._code("add"), obj=obj, account=self._account_of(obj),
                     details={"change": message})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        record_audit(actor=request.user, action=self._code("change"), obj=obj, account=self._account_of(obj),
                     details={"change": message})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        record_audits(actor=request.user, action=self._code("delete"), objects=self._objects_with_accounts(queryset))
        return super().log_deletions(request, queryset)

    def _code(self, verb: str) -> str:
        return f"admin.{self.model._meta.model_name}.{verb}"

    def _objects_with_accounts(self, queryset) -> list:
        objects = list(queryset)
        path = account_path_of(self)
        if path is None or not objects:
            return [(obj, None) for obj in objects]
        model = type(objects[0])
        accounts = dict(model._default_manager.filter(pk__in=[obj.pk for obj in objects]).values_list("pk", path or "pk"))
        return [(obj, accounts.get(obj.pk)) for obj in objects]

    def _account_of(self, obj):
        path = account_path_of(self)
        if path is None or obj.pk is None:
            return None
        return type(obj)._default_manager.filter(pk=obj.pk).values_list(path or "pk", flat=True).first()
