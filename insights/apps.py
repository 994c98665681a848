from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        # Both import models, which cannot load before the app registry is ready.
        from accounts import roles
        from messaging.services.seeding import register_seed_extension

        from .services.seeding import seed_insights

        # Managers read the conversations of their numbers (the team's states included) and send nothing.
        roles.contribute(roles.MANAGER, ["insights.view_insights", "messaging.view_conversation",
                                         "messaging.view_message", "messaging.view_contact"])
        roles.register_admin_app(self.label)
        # seed_history (messaging) seeds states, template sends, pricing, campaigns and the figures too.
        register_seed_extension(seed_insights)
