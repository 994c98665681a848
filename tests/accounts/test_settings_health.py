"""Settings → a number's health: can we send, and if not why; when we last heard from Meta;
and Meta's webhooks reaching the administrators (banner and e-mail)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts import roles
from accounts.models import BusinessAccount, PhoneNumber
from accounts.services import ensure_user
from messaging.models import WebhookEvent
from messaging.selectors.webhook_activity import account_webhook_times, number_webhook_times, waba_webhook_times

from ..conftest import APP_SECRET, PHONE_NUMBER_ID, WABA_ID

HEALTH_URL = f"/settings/numbers/{PHONE_NUMBER_ID}/health/"


@pytest.fixture
def administrator(phone):
    user = ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)
    user.email = "ada@example.com"
    user.save()
    return user


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def _webhook(account, *, hours_ago: float, phone_number_id: str = "") -> WebhookEvent:
    at = timezone.now() - timedelta(hours=hours_ago)
    return WebhookEvent.objects.create(account=account, body="{}", body_sha256=f"{at.timestamp()}{phone_number_id}",
                                       field="messages", phone_number_id=phone_number_id, received_at=at)


def test_it_says_how_long_meta_has_been_silent(admin_client, account, phone):
    _webhook(account, hours_ago=9, phone_number_id=PHONE_NUMBER_ID)
    _webhook(account, hours_ago=5)

    page = admin_client.get(HEALTH_URL).content.decode()

    assert "No webhook for 5 hours — check the subscription; for this number 9\xa0hours ago" in page
    assert "Yes, but look at: Last heard from Meta" in page


def test_a_recent_webhook_is_fine_and_none_at_all_is_a_warning(admin_client, account, phone):
    never = admin_client.get(HEALTH_URL).content.decode()
    _webhook(account, hours_ago=0.25, phone_number_id=PHONE_NUMBER_ID)
    recent = admin_client.get(HEALTH_URL).content.decode()

    assert "No webhook received yet for this account" in never
    assert "Last webhook 15\xa0minutes ago; for this number 15\xa0minutes ago" in recent


def test_it_says_why_a_number_cannot_send(admin_client, account, phone, post_webhook):
    PhoneNumber.objects.filter(pk=phone.pk).update(status="DISCONNECTED", quality_rating="GREEN")
    account.messaging_limit_tier = "TIER_2K"
    account.save()
    assert post_webhook("webhook_account_review_update.json").status_code == 200
    assert post_webhook("webhook_account_alerts.json").status_code == 200
    account.refresh_from_db()

    page = admin_client.get(HEALTH_URL).content.decode()

    assert "No — this number cannot send: Meta&#x27;s account review is rejected; Number status is Disconnected" in page
    assert "the number cannot send" not in page
    number_page = f"/settings/numbers/{PHONE_NUMBER_ID}/"
    assert f'<a href="{number_page}">Register the number on its page.</a>' in page
    assert "2,000 customers / 24 h (shared by every number of the business portfolio)" in page
    assert "Not tested yet" in page and "Run the connection test on the Accounts page." in page
    assert "Meta&#x27;s account review is rejected" in page
    assert "Meta has sent no account alerts." not in page


def test_a_healthy_number_can_send(admin_client, account, phone):
    PhoneNumber.objects.filter(pk=phone.pk).update(status="CONNECTED", quality_rating="GREEN")
    account.messaging_limit_tier = "TIER_10K"
    account.save()
    _webhook(account, hours_ago=0.1)

    page = admin_client.get(HEALTH_URL).content.decode()

    # The token's expiry and the subscription are not tested yet: unknown is not a warning, but no promise either.
    assert "Yes, as far as we know — not checked yet: Access token; Webhook subscription" in page
    assert "nothing stands in the way" not in page

    account.connection_tested_at, account.subscribed = timezone.now(), True
    account.save()
    assert "Yes — nothing stands in the way of sending." in admin_client.get(HEALTH_URL).content.decode()


def test_it_reads_the_token_and_the_subscription_from_the_last_connection_test(admin_client, account, phone):
    PhoneNumber.objects.filter(pk=phone.pk).update(status="CONNECTED", quality_rating="GREEN")
    now = timezone.now()
    account.connection_tested_at, account.token_expires_at, account.subscribed = now, now + timedelta(days=3), False
    account.save()

    page = admin_client.get(HEALTH_URL).content.decode()

    assert "Yes, but look at: Access token; Webhook subscription" in page
    assert f"Expires on {account.token_expires_at:%Y-%m-%d}" in page and "Renew the token soon." in page
    assert "Our app is not subscribed: no webhook will arrive" in page


def test_a_disconnected_account_cannot_send_and_the_page_says_where_to_reconnect(admin_client, account, phone):
    PhoneNumber.objects.filter(pk=phone.pk).update(status="CONNECTED", quality_rating="GREEN")
    account.disconnected_at, account.disconnect_reason = timezone.now(), "moving to a new app"
    account.save()

    page = admin_client.get(HEALTH_URL).content.decode()

    assert "No — this number cannot send:" in page
    assert "was disconnected by an administrator (moving to a new app)" in page
    assert "Reconnect it in Settings → Accounts." in page


def test_it_hears_webhooks_signed_by_another_account_of_the_same_meta_app(admin_client, account, phone, post_webhook):
    # Accounts of one Meta app share its secret: the receiver files the event under the first
    # account the secret matches ("Aardvark" sorts first), while the body names Acme's WABA.
    sibling = BusinessAccount.objects.create(name="Aardvark", waba_id="555", access_token="t", app_secret=APP_SECRET,
                                             verify_token="v")
    assert post_webhook("webhook_message_text.json").status_code == 200
    assert WebhookEvent.objects.get().account == sibling

    page = admin_client.get(HEALTH_URL).content.decode()

    assert "No webhook received yet for this account" not in page
    assert "Last webhook 0\xa0minutes ago" in page


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_last_webhook_reads_use_their_index(db, account):
    account_plan = account_webhook_times(account_id=account.pk)[:1].explain()
    waba_plan = waba_webhook_times(waba_id=WABA_ID)[:1].explain()
    number_plan = number_webhook_times(phone_number_id=PHONE_NUMBER_ID)[:1].explain()

    assert "webhookevent_account_last_idx" in account_plan and "TEMP B-TREE" not in account_plan
    assert "webhookevent_waba_last_idx" in waba_plan and "TEMP B-TREE" not in waba_plan
    assert "webhookevent_number_last_idx" in number_plan and "TEMP B-TREE" not in number_plan


# -- Meta's news reaching the administrators --------------------------------------------------------


def test_a_quality_webhook_shows_on_the_page_the_banner_and_in_the_mail(admin_client, phone, post_webhook, settings):
    settings.EMAIL_HOST = "smtp.example.com"
    settings.CONSOLE_URL = "https://switchboard.example.com"

    assert post_webhook("webhook_phone_number_quality_update_flagged.json").status_code == 200

    facts = admin_client.get(f"/settings/numbers/{PHONE_NUMBER_ID}/status/").content.decode()
    inbox = admin_client.get("/").content.decode()
    assert 'class="quality quality-red">Low' in facts
    assert "Quality dropped to Low: +15550783881" in inbox
    assert f'href="{HEALTH_URL}">Health of the number' in inbox
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert f"https://switchboard.example.com{HEALTH_URL}" in mail.outbox[0].body


def _change(field: str, value: dict, *, time: int = 1764590000) -> dict:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "time": time, "changes": [{"field": field, "value": value}]}]}


def test_no_mail_without_an_email_host_and_none_for_a_redelivery(admin_client, phone, post_webhook, settings):
    name = _change("phone_number_name_update", {"display_phone_number": "15550783881", "decision": "REJECTED",
                                                "requested_verified_name": "Acme Deals",
                                                "rejection_reason": "NAME_FORMAT_UNACCEPTABLE"})
    settings.EMAIL_HOST = ""
    assert post_webhook(name).status_code == 200
    settings.EMAIL_HOST = "smtp.example.com"
    assert post_webhook(name, headers={"HTTP_X_REDELIVERY": "1"}).status_code == 200  # same bytes: stored once
    assert post_webhook(_change("business_capability_update",
                                {"max_daily_conversations_per_business": "TIER_10K"})).status_code == 200

    facts = admin_client.get(f"/settings/numbers/{PHONE_NUMBER_ID}/status/").content.decode()
    assert "Display name rejected: Acme Deals (NAME_FORMAT_UNACCEPTABLE)" in facts
    assert "10,000 customers / 24 h" in facts
    assert [m.subject for m in mail.outbox] == ["[Switchboard] Acme: Messaging limit is now 10,000 customers / 24 h"]


def test_operators_get_no_health_link_in_their_banners(client, operator, post_webhook):
    post_webhook("webhook_phone_number_quality_update_flagged.json")
    client.force_login(operator)

    inbox = client.get("/").content.decode()

    assert "Quality dropped to Low" in inbox and "Health of the number" not in inbox
