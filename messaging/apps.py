from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messaging"

    def ready(self) -> None:
        from media_lib.services import register_usage_provider

        from . import webhook_events
        from .services.media import message_usages

        webhook_events.register_handlers()
        # media_lib asks before deleting a file: messages that carry it count as uses.
        register_usage_provider(message_usages)
