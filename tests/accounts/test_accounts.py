"""Accounts: secrets encrypted at rest, the connect and demo commands, roles and admin."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts import roles
from accounts.models import BusinessAccount, PhoneNumber
from cloudapi.simulator import demo

pytestmark = pytest.mark.django_db


def _raw_columns(account_id: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, app_secret, verify_token FROM accounts_businessaccount WHERE id = %s", [account_id]
        )
        return cursor.fetchone()


def test_it_stores_tokens_and_secrets_encrypted(account):
    stored = _raw_columns(account.pk)

    for plain, raw in zip(("test-access-token", "test-app-secret", "test-verify-token"), stored):
        assert plain not in raw
        assert raw.startswith("gAAAA")  # Fernet tokens
    fresh = BusinessAccount.objects.get(pk=account.pk)
    assert fresh.access_token == "test-access-token"
    assert fresh.app_secret == "test-app-secret"


def test_it_decrypts_with_an_old_key_after_rotation(account, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["a-brand-new-passphrase", *settings.FIELD_ENCRYPTION_KEYS]
    assert BusinessAccount.objects.get(pk=account.pk).access_token == "test-access-token"


def test_the_client_repr_never_shows_the_token(account):
    from accounts.graph import client_for

    assert "test-access-token" not in repr(client_for(account))


QUICK_START = {
    "WHATSAPP_BUSINESS_ACCOUNT_ID": "102290129340398",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_ACCESS_TOKEN": "EAAG-real-looking-token",
    "WHATSAPP_APP_SECRET": "real-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "my-verify-token",
}


def test_connect_account_creates_then_updates_without_duplicates(settings, capsys):
    for name, value in QUICK_START.items():
        setattr(settings, name, value)

    call_command("connect_account")
    settings.WHATSAPP_ACCESS_TOKEN = "EAAG-rotated-token"
    call_command("connect_account")

    account = BusinessAccount.objects.get()
    assert account.access_token == "EAAG-rotated-token"
    assert PhoneNumber.objects.get().phone_number_id == "106540352242922"
    assert "EAAG" not in capsys.readouterr().out


def test_connect_account_names_the_missing_variables(settings):
    for name in QUICK_START:
        setattr(settings, name, "")
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"

    with pytest.raises(CommandError, match="WHATSAPP_BUSINESS_ACCOUNT_ID, WHATSAPP_ACCESS_TOKEN"):
        call_command("connect_account")
    assert BusinessAccount.objects.count() == 0


def test_setup_demo_is_idempotent_and_grants_the_operator_the_number(settings):
    for name in QUICK_START:
        setattr(settings, name, "")

    call_command("setup_demo")
    call_command("setup_demo")

    phone = PhoneNumber.objects.get()
    assert phone.phone_number_id == demo.PHONE_NUMBER_ID
    assert phone.account.app_secret == demo.APP_SECRET
    assert list(phone.operators.values_list("username", flat=True)) == ["operator"]


def test_setup_demo_uses_the_quick_start_variables_when_set(settings):
    for name, value in QUICK_START.items():
        setattr(settings, name, value)
    call_command("setup_demo")
    assert PhoneNumber.objects.get().phone_number_id == "106540352242922"


def test_setup_demo_refuses_without_the_simulator(settings):
    settings.SIMULATOR_ENABLED = False
    with pytest.raises(CommandError, match="embedded default"):
        call_command("setup_demo")


def test_the_four_roles_exist_with_their_permissions(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.ADMINISTRATOR, roles.OPERATOR, roles.TEMPLATE_MANAGER, roles.SUPPORT} <= names
    operator = Group.objects.get(name=roles.OPERATOR)
    assert operator.permissions.filter(codename="send_message").exists()
    assert not operator.permissions.filter(codename="change_webhookevent").exists()
    support = Group.objects.get(name=roles.SUPPORT)
    assert support.permissions.filter(codename="change_webhookevent").exists()


def test_support_staff_find_a_message_by_wamid_in_the_admin(client, phone, post_webhook):
    from accounts.services import ensure_user, grant_phone_number
    from ..conftest import fixture_bytes

    post_webhook(fixture_bytes("webhook_message_text.json"))
    sue = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=sue, phone_number=phone)  # the admin shows support staff their numbers only
    client.force_login(sue)

    changelist = reverse("admin:messaging_message_changelist")
    found = client.get(changelist, {"q": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="})
    assert found.status_code == 200
    assert "1 message" in found.text
    assert "0 messages" in client.get(changelist, {"q": "wamid.somethingelse"}).text
    response = client.get(reverse("admin:accounts_phonenumber_changelist"), {"q": "106540352242922"})
    assert "1 phone number" in response.text and "15550783881" in response.text


def test_the_account_admin_never_renders_secrets(admin_client, account):
    response = admin_client.get(reverse("admin:accounts_businessaccount_change", args=[account.pk]))
    assert response.status_code == 200
    assert "test-access-token" not in response.text
    assert "test-app-secret" not in response.text


def test_an_administrator_sets_secrets_in_the_admin_without_ever_seeing_them(admin_client, account):
    url = reverse("admin:accounts_businessaccount_change", args=[account.pk])
    form = {"name": "Acme", "waba_id": account.waba_id, "app_id": "", "new_access_token": "EAAG-rotated", "new_app_secret": "", "new_verify_token": "",
            "phone_numbers-TOTAL_FORMS": "0", "phone_numbers-INITIAL_FORMS": "0"}

    response = admin_client.post(url, form)

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.access_token == "EAAG-rotated"
    assert account.app_secret == "test-app-secret"  # blank kept it
    assert "EAAG-rotated" not in admin_client.get(url).text


def test_a_new_account_in_the_admin_needs_its_secrets(admin_client):
    response = admin_client.post(reverse("admin:accounts_businessaccount_add"), {"name": "New", "waba_id": "123",
                                 "phone_numbers-TOTAL_FORMS": "0", "phone_numbers-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert BusinessAccount.objects.count() == 0
