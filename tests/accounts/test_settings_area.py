"""The Settings area opens for administrators only, and the console links to it for them alone."""

import pytest

from accounts import roles
from accounts.services import ensure_user


@pytest.fixture
def administrator(phone):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


def test_an_administrator_opens_settings_from_the_top_bar(client, administrator):
    client.force_login(administrator)
    inbox = client.get("/").content.decode()
    assert 'href="/settings/"' in inbox
    page = client.get("/settings/")
    assert page.status_code == 200
    assert b'aria-label="Settings"' in page.content


def test_an_operator_sees_no_settings_link_and_gets_403(client, operator):
    client.force_login(operator)
    assert 'href="/settings/"' not in client.get("/").content.decode()
    assert client.get("/settings/").status_code == 403
