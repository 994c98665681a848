"""The admin app with Switchboard's site as ``admin.site`` (every ``@admin.register`` uses it)."""

from django.contrib.admin.apps import AdminConfig


class SwitchboardAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.SwitchboardAdminSite"
