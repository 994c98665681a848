from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import BusinessAccount
        from media_lib.services import register_usage_provider

        from . import webhook_events
        from .services.media import message_usages
        from .services.webhook_inbox import forget_app_secrets

        webhook_events.register_handlers()
        # media_lib asks before deleting a file: messages that carry it count as uses.
        register_usage_provider(message_usages)
        # The receiver caches app secrets; a changed account must not wait for the cache to age.
        for signal in (post_save, post_delete):
            signal.connect(forget_app_secrets, sender=BusinessAccount, dispatch_uid=f"forget-secrets-{signal}")
