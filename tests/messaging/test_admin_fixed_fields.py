"""What says whose a row is cannot be moved in the admin once the row exists."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Conversation

from .. import factories

pytestmark = pytest.mark.django_db


def test_a_conversation_keeps_its_contact_and_number(client, phone, stranger):
    conversation = factories.conversation(phone, wa_id="16505551234", name="Sheena")
    other = Conversation.objects.exclude(pk=conversation.pk).first()
    admin_user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR, superuser=True)
    grant_phone_number(user=admin_user, phone_number=phone)
    client.force_login(admin_user)
    url = reverse("admin:messaging_conversation_change", args=[conversation.pk])

    page = client.get(url)
    client.post(url, {"contact": other.contact_id if other else 999, "phone_number": 999, "unread_count": 0})

    assert page.status_code == 200
    assert 'name="contact"' not in page.content.decode() and 'name="phone_number"' not in page.content.decode()
    conversation.refresh_from_db()
    assert (conversation.contact.wa_id, conversation.phone_number_id) == ("16505551234", phone.pk)
