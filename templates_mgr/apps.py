from django.apps import AppConfig


class TemplatesMgrConfig(AppConfig):
    name = "templates_mgr"
    verbose_name = "Message templates"

    def ready(self) -> None:
        # Both import models, which cannot load before the app registry is ready.
        from accounts import roles
        from accounts.signals import account_connected

        from . import webhook_events

        roles.contribute(
            roles.TEMPLATE_MANAGER,
            [
                "templates_mgr.view_messagetemplate",
                "templates_mgr.add_messagetemplate",
                "templates_mgr.change_messagetemplate",
                "templates_mgr.delete_messagetemplate",
                "templates_mgr.view_templatestatuschange",
            ],
        )
        roles.contribute(roles.SUPPORT, ["templates_mgr.view_messagetemplate", "templates_mgr.view_templatestatuschange"])
        roles.register_admin_app(self.label)
        webhook_events.register_handlers()
        account_connected.connect(_sync_connected_account, dispatch_uid="templates_mgr.sync_connected_account")


def _sync_connected_account(sender, account, **kwargs) -> None:
    """A newly connected account shows Meta's templates (hello_world …) in minutes, not at the next beat."""
    from .services.sync import request_template_sync

    request_template_sync(account=account)
