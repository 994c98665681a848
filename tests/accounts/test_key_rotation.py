"""`manage.py rotate_encryption_key` moves every stored secret to the first key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import BusinessAccount

NEW_KEY = Fernet.generate_key().decode()
OLD_PASSPHRASE = "an-old-passphrase-from-before"


def _stored_secrets() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_token, app_secret, verify_token FROM {BusinessAccount._meta.db_table} ORDER BY id")
        return cursor.fetchall()


def _rotate() -> str:
    out = StringIO()
    call_command("rotate_encryption_key", stdout=out)
    return out.getvalue()


@pytest.fixture
def old_accounts(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_PASSPHRASE]
    BusinessAccount.objects.create(name="A", waba_id="1", access_token="tok-a", app_secret="sec-a", verify_token="ver-a")
    BusinessAccount.objects.create(name="B", waba_id="2", access_token="tok-b", app_secret="sec-b", verify_token="")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_PASSPHRASE]
    return settings


def test_secrets_under_an_old_key_read_back_with_only_the_new_key_after_rotation(old_accounts):
    report = _rotate()

    assert "accounts.BusinessAccount.access_token: 2 re-encrypted, 0 already under the first key" in report
    assert "accounts.BusinessAccount.verify_token: 1 re-encrypted, 0 already under the first key" in report
    assert "Done: 5 secret(s) re-encrypted" in report
    assert "tok-a" not in report and "sec-b" not in report
    old_accounts.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    a, b = BusinessAccount.objects.order_by("id")
    assert (a.access_token, a.app_secret, a.verify_token) == ("tok-a", "sec-a", "ver-a")
    assert (b.access_token, b.app_secret, b.verify_token) == ("tok-b", "sec-b", "")


def test_a_second_run_changes_nothing(old_accounts):
    _rotate()
    after_first = _stored_secrets()

    report = _rotate()

    assert _stored_secrets() == after_first
    assert "accounts.BusinessAccount.app_secret: 0 re-encrypted, 2 already under the first key" in report
    assert "Done: 0 secret(s) re-encrypted" in report


def test_it_stops_with_a_clear_error_when_a_secret_cannot_be_read(old_accounts):
    before = _stored_secrets()
    old_accounts.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key was dropped too early

    with pytest.raises(CommandError, match="cannot be decrypted"):
        _rotate()

    assert _stored_secrets() == before
