from django.apps import AppConfig


class TemplatesMgrConfig(AppConfig):
    name = "templates_mgr"
    verbose_name = "Message templates"
