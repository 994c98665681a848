"""Ids and page numbers typed into URLs: every view reads them with ``accounts.query_params.parse_id``, so odd
values (other scripts' digits, numbers too long for Python's int parser) are ignored, never a 500."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user
from tests import factories

pytestmark = pytest.mark.django_db

ODD = ["²", "٣", "-1", " 7", "9" * 5000]


@pytest.mark.parametrize("value", ODD)
def test_odd_ids_in_the_console_url_still_show_the_inbox_and_the_composer(client, operator, phone, value):
    conv = factories.conversation(phone, wa_id="16505551234", name="Sheena Nelson")
    client.force_login(operator)

    inbox = client.get(reverse("messaging:inbox"), {"active": value})
    compose = client.get(reverse("messaging:conversation-compose", args=[conv.pk]), {"reply_to": value, "message": value})

    assert inbox.status_code == 200 and "Sheena Nelson" in inbox.content.decode()
    assert compose.status_code == 200


@pytest.mark.parametrize("value", ODD)
def test_odd_account_ids_in_the_template_board_and_media_picker_are_ignored(client, value):
    client.force_login(ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER))

    assert client.get(reverse("templates_mgr:template-list"), {"account": value}).status_code == 200
    assert client.get(reverse("media_lib:asset-picker"), {"account": value, "selected": value}).status_code == 200
