from django.apps import AppConfig


class CloudApiConfig(AppConfig):
    """Registered only so ``run_simulator`` is a management command; the package has no models."""

    name = "cloudapi"
    verbose_name = "Cloud API"
