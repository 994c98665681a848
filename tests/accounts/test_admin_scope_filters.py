"""The admin's side filters offer a Support user only their own accounts, never another business's name."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import BusinessAccount, PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Contact, WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def support_of_a(phone):
    beta = BusinessAccount.objects.create(
        name="BetaCorp", waba_id="555", access_token="bt", app_secret="beta-secret", verify_token="bv"
    )
    PhoneNumber.objects.create(account=beta, phone_number_id="555222", display_phone_number="15557770000")
    Contact.objects.create(account=beta, wa_id="4477001", name="Beta customer")
    Contact.objects.create(account=phone.account, wa_id="4477002", name="Alpha customer")
    WebhookEvent.objects.create(account=beta, field="messages", body="{}", body_sha256="b" * 64)
    WebhookEvent.objects.create(account=phone.account, field="messages", body="{}", body_sha256="a" * 64)
    user = ensure_user(username="sup", password="pw-sup-12345", role=roles.SUPPORT)
    grant_phone_number(user=user, phone_number=phone)
    return user


@pytest.mark.parametrize("changelist", ["admin:messaging_contact_changelist", "admin:messaging_webhookevent_changelist"])
def test_the_account_filter_names_only_the_users_accounts(client, support_of_a, changelist):
    client.force_login(support_of_a)

    page = client.get(reverse(changelist))

    assert page.status_code == 200
    assert "BetaCorp" not in page.text


def test_an_administrator_still_filters_by_every_account(admin_client, support_of_a):
    page = admin_client.get(reverse("admin:messaging_webhookevent_changelist"))

    assert "BetaCorp" in page.text
