"""The contact admin: adding one names its account; who the customer is and what they chose stay theirs."""

import re

import pytest
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Contact

from .. import factories

pytestmark = pytest.mark.django_db


def _inline_management(page_text: str) -> dict:
    data = {}
    for prefix in re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page_text):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_adding_a_contact_asks_for_its_account_instead_of_failing(admin_client, phone):
    url = reverse("admin:messaging_contact_add")
    data = {"wa_id": "16505550999", "name": "Walk-in", "notes": "", "user_id": "", **_inline_management(admin_client.get(url).text)}

    missing = admin_client.post(url, data)
    added = admin_client.post(url, {**data, "account": phone.account_id})

    assert missing.status_code == 200 and "This field is required" in missing.text
    assert added.status_code == 302
    assert Contact.objects.get(wa_id="16505550999").account == phone.account


def test_support_cannot_change_a_customers_number_or_undo_their_stop(client, phone):
    contact = factories.conversation(phone, wa_id="16505551234").contact
    Contact.objects.filter(pk=contact.pk).update(opted_out=True)
    support = ensure_user(username="sup", password="pw-sup-12345", role=roles.SUPPORT)
    grant_phone_number(user=support, phone_number=phone)
    client.force_login(support)
    url = reverse("admin:messaging_contact_change", args=[contact.pk])

    response = client.post(
        url,
        {"wa_id": "16505559999", "user_id": "US.forged", "name": "Sheena", "notes": "called back",
         **_inline_management(client.get(url).text)},
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.wa_id, contact.user_id, contact.opted_out) == ("16505551234", "", True)
    assert contact.notes == "called back"  # what support may change still changes
