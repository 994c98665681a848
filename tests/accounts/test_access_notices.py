"""Roles that don't trap people: without a number or a role, a page says whom to ask instead of
showing an empty board or a bare 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user

ASK_NUMBER = "Ask an administrator to give you a phone number"


@pytest.fixture
def administrator(db):
    admin = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    admin.email = "ada@example.com"
    admin.save()
    return admin


def _page(client, user, url_name):
    client.force_login(user)
    return client.get(reverse(url_name))


def test_a_template_manager_without_numbers_is_told_whom_to_ask(client, administrator, phone):
    manager = ensure_user(username="tom", password="pw-tom-123", role=roles.TEMPLATE_MANAGER)

    page = _page(client, manager, "templates_mgr:template-list").content.decode()

    assert ASK_NUMBER in page and "ada@example.com" in page
    assert "Build one" not in page  # the builder would offer them no account to build for


def test_a_template_manager_without_numbers_is_told_whom_to_ask_in_the_builder(client, administrator, phone):
    manager = ensure_user(username="tom", password="pw-tom-123", role=roles.TEMPLATE_MANAGER)

    page = _page(client, manager, "templates_mgr:template-create").content.decode()

    assert ASK_NUMBER in page and "ada@example.com" in page


def test_an_operator_without_numbers_is_told_whom_to_ask_in_the_inbox(client, administrator, phone):
    operator = ensure_user(username="otto", password="pw-otto-123", role=roles.OPERATOR)

    page = _page(client, operator, "messaging:inbox").content.decode()

    assert ASK_NUMBER in page and "ada" in page


def test_an_operator_with_a_number_sees_no_such_notice(client, administrator, operator):
    assert ASK_NUMBER not in _page(client, operator, "messaging:inbox").content.decode()


def test_a_user_without_a_role_is_told_whom_to_ask_on_the_403_page(client, administrator, no_role_user):
    response = _page(client, no_role_user, "messaging:inbox")

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your account has no role yet" in page and "ada@example.com" in page
    assert "Back to the inbox" not in page  # it would only refuse them again
