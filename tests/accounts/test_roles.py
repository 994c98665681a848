"""The five role groups: each app contributes its own permissions from ``ready()``, and every migrate
sets the groups to exactly these permissions (the ones they had when accounts/roles.py listed them)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts import roles

pytestmark = pytest.mark.django_db

CONSOLE = {"messaging.view_conversation", "messaging.view_message", "messaging.view_contact"}
EXPECTED = {
    roles.OPERATOR: CONSOLE
    | {"messaging.send_message", "messaging.change_contact", "media_lib.view_mediaasset", "media_lib.add_mediaasset"},
    roles.TEMPLATE_MANAGER: CONSOLE
    | {
        "templates_mgr.view_messagetemplate",
        "templates_mgr.add_messagetemplate",
        "templates_mgr.change_messagetemplate",
        "templates_mgr.delete_messagetemplate",
        "templates_mgr.view_templatestatuschange",
        "media_lib.view_mediaasset",
        "media_lib.add_mediaasset",
        "media_lib.change_mediaasset",
        "media_lib.delete_mediaasset",
        "messaging.view_flow",
        "messaging.add_flow",
        "messaging.change_flow",
        "messaging.delete_flow",
        "messaging.view_flowstatuschange",
        "messaging.view_flowjsonversion",
    },
    roles.SUPPORT: CONSOLE
    | {
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
        "accounts.view_auditentry",  # the audit trail of their accounts, read-only
        "templates_mgr.view_messagetemplate",
        "templates_mgr.view_templatestatuschange",
        "media_lib.view_mediaasset",
        "media_lib.change_mediaasset",
        "media_lib.view_cloudmediaid",
    },
}
# Managers: the insights pages, and the conversations of their numbers read-only (no sending, no Settings).
EXPECTED[roles.MANAGER] = CONSOLE | {"insights.view_insights"}
ADMIN_APPS = {"accounts", "messaging", "templates_mgr", "media_lib", "auth", "campaigns", "insights"}


def _granted(role: str) -> set[str]:
    perms = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{perm.content_type.app_label}.{perm.codename}" for perm in perms}


def _assert_groups_as_before() -> None:
    for role, expected in EXPECTED.items():
        assert _granted(role) == expected, role
    every = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    assert _granted(roles.ADMINISTRATOR) == {name for name in every if name.split(".")[0] in ADMIN_APPS}
    assert any(name.startswith("auth.") for name in _granted(roles.ADMINISTRATOR))


def test_it_gives_each_role_exactly_the_permissions_it_had_before():
    _assert_groups_as_before()


def test_it_puts_the_groups_back_in_step_after_a_migrate():
    Group.objects.get(name=roles.OPERATOR).permissions.clear()
    Group.objects.get(name=roles.SUPPORT).permissions.add(Permission.objects.get(codename="delete_businessaccount"))
    Group.objects.filter(name=roles.TEMPLATE_MANAGER).delete()

    call_command("migrate", verbosity=0)

    _assert_groups_as_before()
