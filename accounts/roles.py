"""The four roles, as Django groups with permissions, kept in step after every migrate.

A permission that does not exist yet (its app is not migrated) is skipped; the next
migrate adds it, so the roles always match the code.
"""

from django.contrib.auth.models import Group, Permission

ADMINISTRATOR = "Administrator"
OPERATOR = "Operator"
TEMPLATE_MANAGER = "Template manager"
SUPPORT = "Support"

_CONSOLE = [
    "messaging.view_conversation",
    "messaging.view_message",
    "messaging.view_contact",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    OPERATOR: _CONSOLE
    + ["messaging.send_message", "messaging.change_contact", "media_lib.view_mediaasset", "media_lib.add_mediaasset"],
    TEMPLATE_MANAGER: _CONSOLE
    + [
        "templates_mgr.view_messagetemplate",
        "templates_mgr.add_messagetemplate",
        "templates_mgr.change_messagetemplate",
        "templates_mgr.delete_messagetemplate",
        "templates_mgr.view_templatestatuschange",
        "media_lib.view_mediaasset",
        "media_lib.add_mediaasset",
        "media_lib.change_mediaasset",
        "media_lib.delete_mediaasset",
    ],
    SUPPORT: _CONSOLE
    + [
        "messaging.send_message",
        "messaging.change_contact",
        "messaging.change_message",
        "messaging.view_webhookevent",
        "messaging.change_webhookevent",
        "messaging.view_messagestatusevent",
        "accounts.view_businessaccount",
        "accounts.view_phonenumber",
        "accounts.view_businessprofile",
        "accounts.view_accountevent",
        "templates_mgr.view_messagetemplate",
        "templates_mgr.view_templatestatuschange",
        "media_lib.view_mediaasset",
        "media_lib.change_mediaasset",
        "media_lib.view_cloudmediaid",
    ],
    # Administrators get every permission of the product's apps (see below).
    ADMINISTRATOR: [],
}

ADMIN_APPS = ("accounts", "messaging", "templates_mgr", "media_lib", "auth")


def sync_roles(*, verbosity: int = 0) -> None:
    """Create the role groups and set their permissions to exactly what the code says."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            permissions = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        else:
            permissions = _permissions(codenames)
        group.permissions.set(permissions)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    if sender.name == "accounts" or sender.label == "templates_mgr":
        sync_roles()


def _permissions(dotted: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in dotted}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={code for _, code in wanted},
    ).select_related("content_type")
    return [perm for perm in found if (perm.content_type.app_label, perm.codename) in wanted]
