"""Settings → Accounts at the HTTP layer: Meta faked with ``responses``.

An administrator connects an account, reads the connection test (each of Meta's refusals in plain
words), subscribes our app, rotates a secret, disconnects and reconnects; every action is audited
and no secret is ever shown back or written to the audit log.
"""

import json
import time
from datetime import timedelta

import pytest
import responses
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import AuditEntry, BusinessAccount
from accounts.services import ensure_user
from accounts.services.disconnection import reconnect_account
from accounts.tasks import check_connections_task
from messaging.models import Conversation, WebhookEvent
from messaging.services.sending import SendingBlocked, queue_message
from messaging.webhook_events import replay_webhook_event

from .. import factories
from ..conftest import APP_SECRET, VERIFY_TOKEN, WABA_ID

BASE = "http://graph.test/v24.0"
APP_ID = "300000000000777"
BOTH = ["whatsapp_business_management", "whatsapp_business_messaging"]
NEW_WABA = "555000000000001"


@pytest.fixture
def administrator(db):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


@pytest.fixture
def meta():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def meta_knows(meta, *, waba_id=NEW_WABA, token=None, waba=None, numbers=None, subscribed=None):
    """Meta's four answers to a connection test; each may be replaced by a (status, body) refusal."""
    token = token if token is not None else _token()
    for url, answer in (
        (f"{BASE}/debug_token", token),
        (f"{BASE}/{waba_id}", waba or {"id": waba_id, "name": "Acme WABA",
                                       "owner_business_info": {"id": "880000000000001", "name": "Acme Holdings"}}),
        (f"{BASE}/{waba_id}/phone_numbers", numbers or {"data": [{"id": "106540352242922",
                                                                  "display_phone_number": "+1 555-078-3881"}]}),
        (f"{BASE}/{waba_id}/subscribed_apps", subscribed or {"data": [
            {"whatsapp_business_api_data": {"id": APP_ID, "name": "Switchboard", "link": "https://x"}}]}),
    ):
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        meta.get(url, status=status, json=body)


def _token(*, valid=True, expires_at=0, scopes=BOTH, targets=(NEW_WABA,), error=None):
    data = {"app_id": APP_ID, "type": "SYSTEM_USER", "is_valid": valid, "expires_at": expires_at,
            "data_access_expires_at": 0, "scopes": scopes,
            "granular_scopes": [{"scope": scope, "target_ids": list(targets)} for scope in scopes]}
    if error:
        data["error"] = error
    return {"data": data}


def _refusal(code, message, subcode=None, status=400):
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Atrace"}
    if subcode:
        error["error_subcode"] = subcode
    return status, {"error": error}


def _connect(client, **overrides):
    form = {"name": "Acme two", "waba_id": NEW_WABA, "app_id": APP_ID, "access_token": "EAAG-secret-token-1",
            "app_secret": "app-secret-abc", "verify_token": "verify-me-please", **overrides}
    return client.post(reverse("settings:account-connect"), form, follow=True)


def _checks(account) -> dict:
    account.refresh_from_db()
    return {check["check"]: check for check in account.connection_checks}


# connecting ---------------------------------------------------------------------------------------


def test_it_connects_an_account_and_shows_the_passing_test(client, administrator, meta):
    meta_knows(meta)
    client.force_login(administrator)

    page = _connect(client)

    html = page.content.decode()
    account = BusinessAccount.objects.get(waba_id=NEW_WABA)
    assert page.redirect_chain[-1][0] == reverse("settings:account-detail", args=[account.pk])
    assert "The connection test passed" in html and "Test passed" in html
    assert "Acme Holdings" in html and account.owner_business_id == "880000000000001"
    assert "never expires" in html.lower()
    assert "http://testserver/webhooks/whatsapp/" in html and "verify-me-please" in html
    assert "EAAG-secret-token-1" not in html and "app-secret-abc" not in html
    with connection.cursor() as cursor:  # encrypted at rest, as every secret
        cursor.execute("SELECT access_token, app_secret FROM accounts_businessaccount WHERE id = %s", [account.pk])
        assert "EAAG-secret-token-1" not in cursor.fetchone()
    entry = AuditEntry.objects.get(action="business_account.connect")
    assert entry.actor == administrator and entry.account == account
    assert "EAAG-secret" not in json.dumps(list(AuditEntry.objects.values()), default=str)
    # The debug_token call carried the app token, never in the URL.
    debug = next(call for call in meta.calls if "/debug_token" in call.request.url)
    assert "app-secret-abc" not in debug.request.url
    assert debug.request.headers["Authorization"] == f"Bearer {APP_ID}|app-secret-abc"


def test_the_list_shows_each_accounts_state(client, administrator, account):
    account.token_expires_at = timezone.now() + timedelta(days=30)
    account.connection_ok, account.subscribed = True, False
    account.save()
    client.force_login(administrator)

    html = client.get(reverse("settings:account-list")).content.decode()

    assert "Acme" in html and "Connected" in html and "Test passed" in html
    assert "Token expires" in html and "Webhooks not subscribed" in html


def test_a_bad_waba_id_or_a_missing_secret_is_refused_on_its_field(client, administrator, account):
    client.force_login(administrator)

    page = client.post(reverse("settings:account-connect"), {"name": "X", "waba_id": "12ab", "app_id": APP_ID,
                                                             "access_token": "tok", "app_secret": "",
                                                             "verify_token": "v"})
    again = client.post(reverse("settings:account-connect"), {"name": "X", "waba_id": WABA_ID, "app_id": APP_ID,
                                                              "access_token": "tok", "app_secret": "s",
                                                              "verify_token": "v"})

    assert page.status_code == 400 and "digits only" in page.content.decode()
    assert "This field is required" in page.content.decode()
    assert b'value="tok"' not in page.content  # a secret typed once is not sent back
    assert again.status_code == 400 and "connected already" in again.content.decode()
    assert BusinessAccount.objects.count() == 1 and not AuditEntry.objects.filter(action="business_account.connect")


def test_manage_py_connect_account_goes_through_the_same_service(settings, db):
    for name, value in {"WHATSAPP_BUSINESS_ACCOUNT_ID": NEW_WABA, "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
                        "WHATSAPP_ACCESS_TOKEN": "tok", "WHATSAPP_APP_SECRET": "sec",
                        "WHATSAPP_VERIFY_TOKEN": "ver", "WHATSAPP_APP_ID": APP_ID}.items():
        setattr(settings, name, value)

    call_command("connect_account")

    entry = AuditEntry.objects.get(action="business_account.connect")
    assert entry.actor is None and entry.account.waba_id == NEW_WABA
    assert entry.account.phone_numbers.get().phone_number_id == "106540352242922"


# the connection test explains Meta's refusals -------------------------------------------------------


def test_an_expired_token_is_explained_and_blocks_sending(client, administrator, meta):
    expired = int(time.time()) - 3600
    meta_knows(meta, token=_token(valid=False, expires_at=expired,
                                  error={"code": 190, "subcode": 463, "message": "Session has expired"}))
    client.force_login(administrator)

    html = _connect(client).content.decode()

    account = BusinessAccount.objects.get(waba_id=NEW_WABA)
    assert "The connection test failed" in html and "expired" in _checks(account)["token"]["text"]
    assert "error 190, subcode 463" in _checks(account)["token"]["text"]
    assert "nothing can be sent" in account.sending_blocked_reason()
    assert [c.request.url.split("?")[0] for c in meta.calls] == [f"{BASE}/debug_token"]  # stops there
    # The business account was not checked at all: the page says so, not "Check".
    assert '<span class="verdict">Not run</span>\n      Not checked: the access token does not work.' in html
    assert '<span class="verdict">Check</span>' not in html


def test_a_missing_permission_names_the_scope(client, administrator, meta):
    meta_knows(meta, token=_token(scopes=["whatsapp_business_management"]))
    client.force_login(administrator)

    _connect(client)

    text = _checks(BusinessAccount.objects.get(waba_id=NEW_WABA))["token"]["text"]
    assert "lacks the whatsapp_business_messaging permission" in text and "send messages" in text


def test_a_wrong_waba_id_is_explained(client, administrator, meta):
    meta_knows(meta, token=_token(targets=("999999",)),
               waba=_refusal(100, "Unsupported get request. Object with ID '555000000000001' does not exist", 33),
               numbers=_refusal(100, "Unsupported get request.", 33),
               subscribed=_refusal(100, "Unsupported get request.", 33))
    client.force_login(administrator)

    _connect(client)

    checks = _checks(BusinessAccount.objects.get(waba_id=NEW_WABA))
    assert f"not granted on WABA {NEW_WABA}" in checks["token"]["text"]
    assert f"no WhatsApp Business Account with id {NEW_WABA} is visible" in checks["waba"]["text"]
    assert "subcode 33" in checks["waba"]["text"]


def test_numbers_that_cannot_be_listed_are_explained_with_the_scope_meta_names(client, administrator, meta):
    meta_knows(meta, numbers=_refusal(200, "(#200) Requires whatsapp_business_management permission", status=403))
    client.force_login(administrator)

    _connect(client)

    text = _checks(BusinessAccount.objects.get(waba_id=NEW_WABA))["numbers"]["text"]
    assert text.startswith("The phone numbers cannot be listed.")
    assert "lacks the whatsapp_business_management permission" in text


def test_a_wrong_app_secret_is_explained(client, administrator, meta):
    meta_knows(meta, token=_refusal(190, "Invalid OAuth access token - Cannot parse access token", status=401))
    client.force_login(administrator)

    _connect(client)

    checks = _checks(BusinessAccount.objects.get(waba_id=NEW_WABA))
    assert "refused the app id and app secret" in checks["token"]["text"]
    assert checks["waba"]["ok"] is True  # the token itself still works


# token expiry banners -------------------------------------------------------------------------------


def _banners(client, user) -> list[str]:
    client.force_login(user)
    return [banner.title for banner in client.get(reverse("messaging:inbox")).context["account_banners"]]


def test_administrators_are_warned_seven_days_ahead_and_operators_not_yet(client, administrator, operator, account, meta):
    account.app_id = APP_ID
    account.save()
    in_three_days = int(time.time()) + 3 * 86400
    meta_knows(meta, waba_id=WABA_ID, token=_token(expires_at=in_three_days, targets=(WABA_ID,)))
    client.force_login(administrator)
    client.post(reverse("settings:account-test", args=[account.pk]))

    assert any("The access token expires on" in title for title in _banners(client, administrator))
    assert _banners(client, operator) == []
    assert "less than 7 days" in _checks(account)["token"]["text"]


def test_a_token_expiring_later_warns_nobody_yet(client, administrator, account, meta):
    account.app_id = APP_ID
    account.save()
    meta_knows(meta, waba_id=WABA_ID, token=_token(expires_at=int(time.time()) + 30 * 86400, targets=(WABA_ID,)))
    client.force_login(administrator)
    client.post(reverse("settings:account-test", args=[account.pk]))

    assert _banners(client, administrator) == []


def test_once_the_token_expired_operators_see_that_sending_is_blocked(client, administrator, operator, account, meta):
    account.app_id = APP_ID
    account.save()
    meta_knows(meta, waba_id=WABA_ID, token=_token(valid=False, expires_at=int(time.time()) - 60,
                                                   error={"code": 190, "subcode": 463, "message": "expired"}))
    client.force_login(administrator)
    client.post(reverse("settings:account-test", args=[account.pk]))

    assert any("sending is blocked" in title for title in _banners(client, operator))
    with pytest.raises(SendingBlocked, match="expired"):
        queue_message(conversation=factories.conversation(operator.phone_numbers.get()), kind="text",
                      content={"body": "hi"}, text="hi")


# subscription -----------------------------------------------------------------------------------------


def test_an_administrator_subscribes_our_app_and_sees_the_override(client, administrator, account, meta):
    account.app_id = APP_ID
    account.save()
    meta.post(f"{BASE}/{WABA_ID}/subscribed_apps", json={"success": True})
    meta.get(f"{BASE}/{WABA_ID}/subscribed_apps", json={"data": [{
        "whatsapp_business_api_data": {"id": APP_ID, "name": "Switchboard"},
        "override_callback_uri": "https://hooks.example/waba"}]})
    client.force_login(administrator)

    html = client.post(reverse("settings:account-subscribe", args=[account.pk]), follow=True).content.decode()

    account.refresh_from_db()
    assert account.subscribed is True and "Our app is subscribed" in html
    assert "https://hooks.example/waba" in html
    assert AuditEntry.objects.get(action="business_account.subscribe").actor == administrator


def test_a_refused_subscription_is_explained_and_not_audited(client, administrator, account, meta):
    meta.post(f"{BASE}/{WABA_ID}/subscribed_apps", status=403,
              json={"error": {"message": "(#200) Requires whatsapp_business_management permission", "code": 200}})
    client.force_login(administrator)

    html = client.post(reverse("settings:account-subscribe", args=[account.pk]), follow=True).content.decode()

    assert "lacks the whatsapp_business_management permission" in html
    assert not AuditEntry.objects.filter(action="business_account.subscribe").exists()


# rotate, disconnect, reconnect -----------------------------------------------------------------------


def test_rotating_the_token_is_audited_by_field_and_tested_again(client, administrator, account, meta):
    account.app_id = APP_ID
    account.save()
    meta_knows(meta, waba_id=WABA_ID, token=_token(targets=(WABA_ID,)))
    client.force_login(administrator)

    page = client.post(reverse("settings:account-rotate", args=[account.pk]),
                       {"field": "access_token", "value": "EAAG-rotated-42"}, follow=True)

    account.refresh_from_db()
    assert account.access_token == "EAAG-rotated-42" and account.connection_ok is True
    assert "Access token replaced. The connection test passed." in page.content.decode()
    assert "EAAG-rotated-42" not in page.content.decode()
    entry = AuditEntry.objects.get(action="business_account.rotate")
    assert entry.details == {"field": "access_token"} and entry.actor == administrator
    assert "EAAG-rotated" not in json.dumps(list(AuditEntry.objects.values()), default=str)
    debug = next(call for call in meta.calls if "/debug_token" in call.request.url)
    assert "input_token=EAAG-rotated-42" in debug.request.url


def test_rotating_with_an_empty_or_unknown_field_is_refused(client, administrator, account):
    client.force_login(administrator)

    empty = client.post(reverse("settings:account-rotate", args=[account.pk]), {"field": "app_secret", "value": ""})
    unknown = client.post(reverse("settings:account-rotate", args=[account.pk]), {"field": "waba_id", "value": "1"})

    assert empty.status_code == 400 and unknown.status_code == 400
    account.refresh_from_db()
    assert account.app_secret == APP_SECRET
    assert not AuditEntry.objects.filter(action="business_account.rotate").exists()


def test_a_disconnected_account_keeps_its_webhooks_unroutable_and_sends_nothing(
    client, administrator, operator, phone, post_webhook
):
    conversation = factories.conversation(phone)
    client.force_login(administrator)

    unconfirmed = client.post(reverse("settings:account-disconnect", args=[phone.account.pk]), {"reason": "x"})
    client.post(reverse("settings:account-disconnect", args=[phone.account.pk]),
                {"reason": "moving to another app", "confirm": "on"})

    assert unconfirmed.status_code == 400
    entry = AuditEntry.objects.get(action="business_account.disconnect")
    assert entry.actor == administrator and entry.reason == "moving to another app"
    with pytest.raises(SendingBlocked, match="disconnected by an administrator"):
        queue_message(conversation=Conversation.objects.get(pk=conversation.pk), kind="text", content={"body": "hi"}, text="hi")
    assert any("Disconnected by an administrator" in title for title in _banners(client, operator))
    # Meta's webhooks are still verified, stored and answered 200, and applied to nothing.
    verified = client.get(reverse("messaging:webhook"), {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                         "hub.challenge": "42"})
    assert verified.status_code == 200 and verified.content == b"42"
    assert post_webhook("webhook_message_text.json").status_code == 200
    assert post_webhook("webhook_account_update_disabled.json").status_code == 200
    events = list(WebhookEvent.objects.order_by("pk"))
    assert [event.state for event in events] == [WebhookEvent.State.UNROUTABLE] * 2
    assert all("disconnected" in event.error for event in events)
    assert conversation.messages.count() == 0
    # Reconnected, the kept message is applied by support's replay.
    reconnect_account(account=phone.account, actor=administrator)
    assert replay_webhook_event(event_id=events[0].pk).state == WebhookEvent.State.PROCESSED
    assert conversation.messages.count() == 1


def test_reconnecting_is_audited_and_runs_the_test(client, administrator, account, meta):
    account.app_id = APP_ID
    account.disconnected_at = timezone.now()
    account.save()
    meta_knows(meta, waba_id=WABA_ID, token=_token(targets=(WABA_ID,)))
    client.force_login(administrator)

    html = client.post(reverse("settings:account-reconnect", args=[account.pk]), follow=True).content.decode()

    account.refresh_from_db()
    assert account.disconnected_at is None and account.sending_blocked_reason() == ""
    assert "is connected again. The connection test passed." in html
    assert AuditEntry.objects.get(action="business_account.reconnect").actor == administrator


def test_the_daily_task_tests_every_connected_account_but_not_a_disconnected_one(account, meta):
    account.app_id = APP_ID
    account.save()
    BusinessAccount.objects.create(name="Gone", waba_id="444", access_token="t", app_secret="s", verify_token="v",
                                   disconnected_at=timezone.now())
    meta_knows(meta, waba_id=WABA_ID, token=_token(targets=(WABA_ID,)))

    assert check_connections_task() == f"{WABA_ID}: ok"

    account.refresh_from_db()
    assert account.connection_ok is True and account.connection_tested_at is not None
