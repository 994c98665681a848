from django.apps import AppConfig


class MediaLibConfig(AppConfig):
    name = "media_lib"
    verbose_name = "Media library"
