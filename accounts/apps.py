from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.urls import register_converter


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and phone numbers"

    def ready(self) -> None:
        # These import models, which cannot load before the app registry is ready.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from . import access, audit_signals, roles, webhook_events
        from .query_params import IdConverter, MetaIdConverter

        # Here, before any URLconf is imported, so every app's urls.py can use <id:pk>.
        register_converter(IdConverter, "id")
        register_converter(MetaIdConverter, "meta_id")

        roles.contribute(
            roles.SUPPORT,
            [
                "accounts.view_businessaccount",
                "accounts.view_phonenumber",
                "accounts.view_businessprofile",
                "accounts.view_accountevent",
                "accounts.view_auditentry",
            ],
        )
        roles.register_admin_app(self.label)
        roles.register_admin_app("auth")  # users and groups are administered beside the accounts
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        webhook_events.register_handlers()
        audit_signals.connect()
        # A user object remembers its groups (access.held_roles) until membership changes here.
        m2m_changed.connect(access.forget_held_roles, sender=get_user_model().groups.through,
                            dispatch_uid="accounts.held_roles.membership")
        post_save.connect(access.forget_held_roles, sender=Group, dispatch_uid="accounts.held_roles.group_saved")
        post_delete.connect(access.forget_held_roles, sender=Group, dispatch_uid="accounts.held_roles.group_deleted")
