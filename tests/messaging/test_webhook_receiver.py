"""The signed receiver: handshake, signature, durable storage, exactly-once effect."""

import json

import pytest
from django.urls import reverse

from accounts.models import BusinessAccount, PhoneNumber
from messaging.models import Contact, Conversation, Message, WebhookEvent

from ..conftest import VERIFY_TOKEN, WABA_ID, fixture_bytes, load_fixture

pytestmark = pytest.mark.django_db


def _handshake(client, **params):
    return client.get(reverse("messaging:webhook"), params)


def test_it_answers_the_verification_handshake_with_the_challenge(client, account):
    response = _handshake(client, **{"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "x"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "x"},
        {"hub.challenge": "x"},
    ],
)
def test_it_refuses_a_handshake_without_our_verify_token(client, account, params):
    assert _handshake(client, **params).status_code == 403


def test_it_stores_a_signed_event_and_creates_the_inbound_message(post_webhook, phone):
    response = post_webhook(fixture_bytes("webhook_message_text.json"))

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED
    assert event.field == "messages"
    message = Message.objects.get()
    assert message.text == "Does it come in another color?"
    assert message.direction == "in"
    assert message.conversation.contact.name == "Sheena Nelson"
    assert message.conversation.contact.wa_id == "16505551234"
    assert message.conversation.unread_count == 1


def test_it_refuses_a_wrong_signature_and_stores_nothing(post_webhook, phone):
    response = post_webhook(fixture_bytes("webhook_message_text.json"), secret="not-the-app-secret")

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_it_refuses_a_missing_signature_and_stores_nothing(post_webhook, phone):
    response = post_webhook(fixture_bytes("webhook_message_text.json"), secret=None)

    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_it_refuses_a_signature_of_a_different_body(client, phone):
    from cloudapi.signature import sign

    body = fixture_bytes("webhook_message_text.json")
    response = client.post(
        reverse("messaging:webhook"),
        data=body.replace(b"another color", b"another colour"),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, "test-app-secret"),
    )
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_it_makes_one_message_from_the_same_event_delivered_three_times(post_webhook, phone):
    body = fixture_bytes("webhook_message_text.json")

    codes = [post_webhook(body).status_code for _ in range(3)]

    assert codes == [200, 200, 200]
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.get().unread_count == 1


def test_it_makes_one_message_when_the_same_message_comes_in_a_different_body(post_webhook, phone):
    payload = load_fixture("webhook_message_text.json")
    post_webhook(payload)
    payload["entry"][0]["time"] = 1749416999  # same message, new envelope: a redelivery by another app
    post_webhook(payload)

    assert WebhookEvent.objects.count() == 2
    assert Message.objects.count() == 1


def test_it_answers_413_for_a_body_over_three_megabytes(post_webhook, phone):
    body = b'{"object":"whatsapp_business_account","entry":[],"pad":"' + b"x" * (3 * 1024 * 1024) + b'"}'
    response = post_webhook(body)
    assert response.status_code == 413
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"object": "page", "entry": []}', "unexpected object"),
        (b'{"object": "whatsapp_business_account"}', "no entry list"),
    ],
)
def test_it_keeps_a_signed_malformed_body_as_rejected_with_the_reason(post_webhook, phone, body, reason):
    response = post_webhook(body)

    assert response.status_code == 200  # Meta would retry a non-200 for 7 days
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED
    assert reason in event.error
    assert Message.objects.count() == 0


def test_it_rejects_a_message_without_an_id_and_writes_nothing(post_webhook, phone):
    payload = load_fixture("webhook_message_text.json")
    del payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED
    assert "'id'" in event.error
    assert Contact.objects.count() == 0 and Message.objects.count() == 0


def test_it_flags_an_event_for_a_phone_number_we_do_not_have(post_webhook, account):
    post_webhook(fixture_bytes("webhook_message_text.json"))

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.UNROUTABLE
    assert "106540352242922" in event.error
    assert Message.objects.count() == 0


def test_it_keeps_unknown_fields_without_an_error(post_webhook, phone):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "calls", "value": {"x": 1}}]}]}

    post_webhook(payload)

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.PROCESSED
    assert event.unhandled_fields == ["calls"]


def test_it_checks_each_account_with_its_own_app_secret(post_webhook, phone):
    other = BusinessAccount.objects.create(
        name="Second app", waba_id="555", access_token="t2", app_secret="second-secret", verify_token="v2"
    )
    PhoneNumber.objects.create(account=other, phone_number_id="1122334455667", display_phone_number="972123456789")
    payload = load_fixture("webhook_message_text.json")
    payload["entry"][0]["id"] = "555"
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "1122334455667"

    assert post_webhook(payload, secret="second-secret").status_code == 200
    assert WebhookEvent.objects.get().account == other
    assert Message.objects.get().conversation.phone_number.phone_number_id == "1122334455667"


def test_it_replays_a_failed_event_idempotently(post_webhook, account):
    # The number is connected only after the event arrived: replay then routes it.
    post_webhook(fixture_bytes("webhook_message_text.json"))
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.UNROUTABLE
    PhoneNumber.objects.create(account=account, phone_number_id="106540352242922", display_phone_number="15550783881")

    from messaging.webhook_events import replay_webhook_event

    assert replay_webhook_event(event_id=event.pk).state == WebhookEvent.State.PROCESSED
    assert replay_webhook_event(event_id=event.pk).state == WebhookEvent.State.PROCESSED
    assert Message.objects.count() == 1


def test_it_accepts_only_get_and_post(client, account):
    assert client.put(reverse("messaging:webhook"), data=json.dumps({})).status_code == 405


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"object": "whatsapp_business_account", "entry": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
        (b'{"object": "whatsapp_business_account", "entry": [1]}', "an entry is not an object"),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": {}}]}', "no changes list"),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {}, "field": 7}]}]}', "no field name"),
    ],
)
def test_it_rejects_a_mangled_envelope_without_a_500(post_webhook, phone, body, reason):
    response = post_webhook(body)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED and reason in event.error


def test_it_stores_nul_characters_and_lone_surrogates_without_an_error(post_webhook, phone):
    payload = load_fixture("webhook_message_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"][0]["text"]["body"] = "nul\x00 and \ud83d alone"
    value["contacts"][0]["profile"]["name"] = "Sheena\x00"
    body = json.dumps(payload).encode()  # NUL and the lone surrogate travel as JSON escapes

    assert post_webhook(body).status_code == 200

    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    message = Message.objects.get()
    assert message.text == "nul\ufffd and ? alone"
    assert message.conversation.contact.name == "Sheena\ufffd"


def test_it_keeps_nan_out_of_stored_json(post_webhook, add_phone):
    add_phone("1122334455667")
    body = fixture_bytes("webhook_message_location.json").replace(b"37.4611978", b"NaN")

    post_webhook(body)

    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED
    assert Message.objects.get().payload["latitude"] is None


def test_it_rejects_an_entry_signed_by_another_apps_secret(post_webhook, phone):
    # A second app is connected; its secret must not vouch for events about the first app's WABA.
    BusinessAccount.objects.create(name="Other app", waba_id="777", access_token="t", app_secret="other-secret", verify_token="v")

    post_webhook(fixture_bytes("webhook_message_text.json"), secret="other-secret")

    event = WebhookEvent.objects.get()
    assert event.state == WebhookEvent.State.REJECTED
    assert event.error == f"WABA {WABA_ID} belongs to another account than the signer"
    assert Message.objects.count() == 0


def test_wabas_of_the_same_app_share_its_secret(post_webhook, phone):
    BusinessAccount.objects.create(name="Sister WABA", waba_id="778", access_token="t", app_secret="test-app-secret", verify_token="v")

    post_webhook(fixture_bytes("webhook_message_text.json"))

    assert WebhookEvent.objects.get().state == WebhookEvent.State.PROCESSED


# Foreign keys are checked at commit: these need real commits, not a test transaction.
@pytest.mark.django_db(transaction=True)
def test_it_follows_an_account_recreated_after_its_secret_was_cached(post_webhook, account, add_phone):
    # Signed and stored once: the secret is now cached with this account's id.
    post_webhook({"object": "whatsapp_business_account", "entry": []})
    waba, secret = account.waba_id, account.app_secret
    account.delete()
    again = BusinessAccount.objects.create(name="Again", waba_id=waba, access_token="t", app_secret=secret, verify_token="v")

    response = post_webhook({"object": "whatsapp_business_account", "entry": [], "n": 2})

    assert response.status_code == 200
    assert WebhookEvent.objects.filter(account=again).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_secret_whose_account_was_removed(post_webhook, account):
    post_webhook({"object": "whatsapp_business_account", "entry": []})
    account.delete()

    assert post_webhook({"object": "whatsapp_business_account", "entry": [], "n": 3}).status_code == 403


def test_a_malformed_content_length_is_a_400(client, phone):
    response = client.post(reverse("messaging:webhook"), data=b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400
