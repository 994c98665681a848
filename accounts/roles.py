"""The five roles, as Django groups with permissions, kept in step after every migrate.

A permission that does not exist yet (its app is not migrated) is skipped; the next
migrate adds it, so the roles always match the code.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

ADMINISTRATOR = "Administrator"
OPERATOR = "Operator"
TEMPLATE_MANAGER = "Template manager"
SUPPORT = "Support"
MANAGER = "Manager"
ROLES = (ADMINISTRATOR, OPERATOR, TEMPLATE_MANAGER, SUPPORT, MANAGER)

# What each role may do, in a line, for the people page (Settings → People and roles). Keep in step
# with the permissions the apps contribute from their ready().
DESCRIPTIONS = {
    ADMINISTRATOR: "Everything, on every number: Settings (accounts, numbers, people, prices, the audit log), contact "
    "imports and segments, the console and the Django admin.",
    OPERATOR: "Reads and answers the conversations of their numbers, starts conversations with approved "
    "templates, edits contacts (attributes, labels, marketing opt-out with a reason), uploads media.",
    TEMPLATE_MANAGER: "Builds, submits, edits and deletes the templates and WhatsApp Flows of their numbers' "
    "accounts, sets up their flows' data endpoint, keeps the media library; reads conversations but sends nothing.",
    SUPPORT: "Helps in the Django admin (contacts, messages, webhook events: replay, resend) and answers "
    "the conversations of their numbers; reads templates.",
    MANAGER: "Sees the insights of their numbers (conversations, response times, templates, cost) and reads "
    "their conversations and the team's states; sends nothing, no Settings.",
}

# Filled by each app's ``AppConfig.ready()`` with its own permissions, so this module names no app above it.
_role_permissions: dict[str, list[str]] = {OPERATOR: [], TEMPLATE_MANAGER: [], SUPPORT: [], MANAGER: [],
                                           ADMINISTRATOR: []}
# Administrators get every permission of these apps.
_admin_apps: list[str] = []


def contribute(role: str, permissions: list[str]) -> None:
    """Give ``role`` the ``app_label.codename`` ``permissions`` (an app calls it for its own)."""
    granted = _role_permissions[role]
    granted.extend(name for name in permissions if name not in granted)


def register_admin_app(label: str) -> None:
    """Give administrators every permission of app ``label``."""
    if label not in _admin_apps:
        _admin_apps.append(label)


def sync_roles(*, verbosity: int = 0) -> None:
    """Create the role groups and set their permissions to exactly what the code says."""
    for role, codenames in _role_permissions.items():
        group, _ = Group.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            permissions = Permission.objects.filter(content_type__app_label__in=_admin_apps)
        else:
            permissions = _permissions(codenames)
        group.permissions.set(permissions)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # post_migrate comes once per app in INSTALLED_APPS order, each after that app's permissions
    # exist: syncing after the last app the roles name sees every permission, once per migrate.
    named = {name.split(".", 1)[0] for names in _role_permissions.values() for name in names} | set(_admin_apps)
    last = [config.label for config in apps.get_app_configs() if config.label in named][-1:]
    if [sender.label] == last:
        sync_roles()


def _permissions(dotted: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in dotted}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={code for _, code in wanted},
    ).select_related("content_type")
    return [perm for perm in found if (perm.content_type.app_label, perm.codename) in wanted]
