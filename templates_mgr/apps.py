from django.apps import AppConfig


class TemplatesMgrConfig(AppConfig):
    name = "templates_mgr"
    verbose_name = "Message templates"

    def ready(self) -> None:
        from . import webhook_events

        webhook_events.register_handlers()
