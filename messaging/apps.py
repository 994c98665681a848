from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

_CONSOLE = ["messaging.view_conversation", "messaging.view_message", "messaging.view_contact"]
# Authoring WhatsApp Flows (the /flows/ pages): template managers; administrators get every permission.
_FLOW_AUTHORING = [
    "messaging.view_flow", "messaging.add_flow", "messaging.change_flow", "messaging.delete_flow",
    "messaging.view_flowstatuschange", "messaging.view_flowjsonversion",
]


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        # All of these import models, which cannot load before the app registry is ready.
        from accounts import roles
        from accounts.models import BusinessAccount
        from accounts.services.health import register_health_source
        from media_lib.services import register_usage_provider

        from . import webhook_events
        from .flow_handlers import register_builtin_handlers
        from .services.media import message_usages
        from .services.webhook_health import last_heard_checks
        from .services.webhook_inbox import forget_app_secrets

        roles.contribute(roles.OPERATOR, _CONSOLE + ["messaging.send_message", "messaging.change_contact"])
        roles.contribute(roles.TEMPLATE_MANAGER, _CONSOLE + _FLOW_AUTHORING)
        roles.contribute(
            roles.SUPPORT,
            _CONSOLE
            + [
                "messaging.send_message",
                "messaging.change_contact",
                "messaging.change_message",
                "messaging.view_webhookevent",
                "messaging.change_webhookevent",
                "messaging.view_messagestatusevent",
            ],
        )
        roles.register_admin_app(self.label)
        webhook_events.register_handlers()
        register_builtin_handlers()
        # media_lib asks before deleting a file: messages that carry it count as uses.
        register_usage_provider(message_usages)
        # The Settings health page asks when we last heard from Meta: the webhook rows are ours.
        register_health_source(last_heard_checks)
        # The receiver caches app secrets; a changed account must not wait for the cache to age.
        for signal in (post_save, post_delete):
            signal.connect(forget_app_secrets, sender=BusinessAccount, dispatch_uid=f"forget-secrets-{signal}")
