from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.urls import register_converter


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and phone numbers"

    def ready(self) -> None:
        from . import roles, webhook_events
        from .query_params import IdConverter

        # Here, before any URLconf is imported, so every app's urls.py can use <id:pk>.
        register_converter(IdConverter, "id")

        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        webhook_events.register_handlers()
