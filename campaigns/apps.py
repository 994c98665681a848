from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from accounts import roles
        from messaging.services import while_waiting

        from .services.dispatch import top_up_while_waiting

        roles.register_admin_app(self.label)
        while_waiting.add_job(top_up_while_waiting)  # a campaign's send waiting for the window queues its next recipients
