"""The receiver under pressure: a locked embedded database is a 503 (Meta retries), never a 500;
a flood of bad signatures neither reloads every app secret per request nor slows good ones."""

import sqlite3

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from accounts.models import BusinessAccount
from cloudapi.signature import sign
from messaging.models import Message, WebhookEvent
from messaging.services.webhook_inbox import signing_account_id

from ..conftest import APP_SECRET, fixture_bytes

on_sqlite = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the embedded database's write lock",
)


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_it_answers_503_with_retry_after_while_another_writer_holds_the_database(post_webhook, phone, settings):
    settings.WEBHOOK_STORE_LOCK_WAIT = 0.2
    body = fixture_bytes("webhook_message_text.json")
    # A second connection to the same database file holds the write lock, as a long drain did.
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = post_webhook(body)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert busy.status_code == 503
    assert int(busy["Retry-After"]) > 0
    assert not WebhookEvent.objects.exists()

    # Meta's retry, once the lock is gone, is stored and applied.
    assert post_webhook(body).status_code == 200
    assert Message.objects.filter(direction="in").count() == 1


def _many_accounts(count: int) -> None:
    BusinessAccount.objects.bulk_create(
        BusinessAccount(name=f"App {n}", waba_id=f"9{n:05d}", access_token="t", app_secret=f"secret-{n}", verify_token="v")
        for n in range(count)
    )


def _post_bad(client, body: bytes):
    return client.post(
        reverse("messaging:webhook"), data=body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, "nobody-has-this-secret"),
    )


@pytest.mark.django_db
def test_a_flood_of_bad_signatures_reloads_the_secrets_at_most_once(client, account, django_assert_max_num_queries):
    _many_accounts(200)
    body = fixture_bytes("webhook_message_text.json")
    assert signing_account_id(body=body, signature=sign(body, APP_SECRET)) == account.pk  # secrets loaded

    with django_assert_max_num_queries(1):
        responses = [_post_bad(client, body) for _ in range(30)]

    assert {r.status_code for r in responses} == {403}
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_good_signatures_need_no_query_during_a_flood_of_bad_ones(client, account, django_assert_num_queries):
    _many_accounts(200)
    body = fixture_bytes("webhook_message_text.json")
    for _ in range(10):
        _post_bad(client, body)

    with django_assert_num_queries(0):
        assert signing_account_id(body=body, signature=sign(body, APP_SECRET)) == account.pk


@pytest.mark.django_db
def test_a_newly_saved_account_verifies_at_once_right_after_a_flood(client, phone, post_webhook):
    _many_accounts(50)
    body = fixture_bytes("webhook_message_text.json")
    for _ in range(10):
        assert _post_bad(client, body).status_code == 403

    phone.account.app_secret = "rotated-secret"
    phone.account.save()

    assert post_webhook(body, secret="rotated-secret").status_code == 200
    assert Message.objects.filter(direction="in").count() == 1
