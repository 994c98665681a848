from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and phone numbers"

    def ready(self) -> None:
        from . import roles, webhook_events

        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        webhook_events.register_handlers()
