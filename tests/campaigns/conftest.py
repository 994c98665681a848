"""Campaigns' fixtures: an administrator of the account (campaign pages are administrators')."""

import pytest

from accounts import roles
from accounts.services import ensure_user, grant_phone_number


@pytest.fixture
def administrator(phone):
    user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    grant_phone_number(user=user, phone_number=phone)
    return user
