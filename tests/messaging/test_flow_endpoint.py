"""The Flows data endpoint, driven with requests encrypted and signed as Meta sends them."""

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from accounts.models import FlowKey
from messaging.models import AppointmentSlot, Flow, FlowEndpointStat, FlowToken
from messaging.services.flow_tokens import EXPIRED_MESSAGE, issue_flow_token

from .. import factories
from ..conftest import APP_SECRET
from .flow_requests import encrypt, post_flow, post_raw

pytestmark = pytest.mark.django_db

SECRET_WORD = "Sheena-loves-pistachio"  # what a customer typed: must never reach a log line
STATIC = {"first_screen": "WELCOME", "screens": {
    "WELCOME": {"data": {"greeting": "Hello"}, "next": "DETAILS"},
    "DETAILS": {"data": {"fields": ["name"]}, "next": "SUCCESS"},
}}


@pytest.fixture(scope="session")
def rsa_keys():
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]


def _pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _store_key(phone, key, state=FlowKey.State.CURRENT) -> FlowKey:
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return FlowKey.objects.create(phone_number=phone, private_key=_pem(key), public_key=public, state=state,
                                  uploaded_at=timezone.now())


@pytest.fixture
def key(phone, rsa_keys):
    _store_key(phone, rsa_keys[0])
    return rsa_keys[0].public_key()


@pytest.fixture
def flow(account):
    return Flow.objects.create(account=account, flow_id="700000000000001", name="Signup", status="PUBLISHED",
                               endpoint_handler="static", endpoint_config=STATIC)


@pytest.fixture
def token(flow, phone):
    return issue_flow_token(flow=flow, phone_number=phone, conversation=factories.conversation(phone))


def _request(token, action, screen="", data=None, **extra):
    return {"version": "3.0", "action": action, "screen": screen, "data": data or {}, "flow_token": token.token,
            **extra}


def test_it_answers_metas_ping_encrypted_as_meta_expects(client, key):
    sent = post_flow(client, {"version": "3.0", "action": "ping"}, key, secret=APP_SECRET)

    assert sent.status == 200
    assert sent.response["Content-Type"].startswith("text/plain")
    assert sent.answer() == {"data": {"status": "active"}}


def test_it_goes_init_data_exchange_back_and_completes_with_the_static_handler(client, key, token):
    init = post_flow(client, _request(token, "INIT"), key, secret=APP_SECRET)
    assert init.answer() == {"screen": "WELCOME", "data": {"greeting": "Hello"}}

    step = post_flow(client, _request(token, "data_exchange", "WELCOME", {"name": "Sheena"}), key, secret=APP_SECRET)
    assert step.answer() == {"screen": "DETAILS", "data": {"fields": ["name"]}}

    back = post_flow(client, _request(token, "BACK", "WELCOME"), key, secret=APP_SECRET)
    assert back.answer() == {"screen": "WELCOME", "data": {"greeting": "Hello"}}
    unnamed = post_flow(client, {**_request(token, "BACK"), "screen": None}, key, secret=APP_SECRET)
    assert unnamed.answer() == {"screen": "WELCOME", "data": {"greeting": "Hello"}}  # Meta may name no screen

    done = post_flow(client, _request(token, "data_exchange", "DETAILS", {"email": "s@example.com"}), key,
                     secret=APP_SECRET)
    assert done.answer() == {"screen": "SUCCESS", "data": {"extension_message_response": {
        "params": {"flow_token": token.token, "email": "s@example.com"}}}}
    token.refresh_from_db()
    assert token.completed_at is not None

    again = post_flow(client, _request(token, "INIT"), key, secret=APP_SECRET)
    assert again.status == 427
    assert again.answer() == {"error_msg": EXPIRED_MESSAGE}


def test_it_books_an_appointment_from_the_slots_table(client, key, token, account):
    token.flow.endpoint_handler, token.flow.endpoint_config = "appointment_booking", {"days_ahead": 7}
    token.flow.save()
    tomorrow = timezone.now().replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=1)
    slot = AppointmentSlot.objects.create(account=account, starts_at=tomorrow, label="Dr Rao")
    AppointmentSlot.objects.create(account=account, starts_at=tomorrow + timedelta(days=30))  # too far ahead

    dates = post_flow(client, _request(token, "INIT"), key, secret=APP_SECRET).answer()
    day = timezone.localtime(tomorrow).date().isoformat()
    assert dates["screen"] == "DATE" and [d["id"] for d in dates["data"]["dates"]] == [day]

    times = post_flow(client, _request(token, "data_exchange", "DATE", {"date": day}), key, secret=APP_SECRET).answer()
    assert times["screen"] == "TIME" and times["data"]["times"][0]["id"] == str(slot.pk)
    assert "Dr Rao" in times["data"]["times"][0]["title"]

    booked = post_flow(client, _request(token, "data_exchange", "TIME", {"date": day, "time": str(slot.pk)}), key,
                       secret=APP_SECRET).answer()
    params = booked["data"]["extension_message_response"]["params"]
    assert booked["screen"] == "SUCCESS" and params["flow_token"] == token.token and params["appointment"] == str(slot.pk)
    slot.refresh_from_db()
    assert slot.booked_by == token


def test_a_handler_refusal_keeps_the_customer_on_the_screen_with_a_message(client, key, token):
    token.flow.endpoint_handler = "appointment_booking"
    token.flow.save()

    answer = post_flow(client, _request(token, "INIT"), key, secret=APP_SECRET).answer()

    assert answer["screen"] == "DATE" and "no free time" in answer["data"]["error_message"]


def test_it_acknowledges_an_error_notification(client, key, token):
    payload = _request(token, "data_exchange", "WELCOME", {"error": "INVALID_SCREEN", "error_message": "bad"})
    sent = post_flow(client, payload, key, secret=APP_SECRET)
    assert sent.status == 200
    assert sent.answer() == {"data": {"acknowledged": True}}


# -- 432, 421, 427 -----------------------------------------------------------------------------------


def test_a_missing_or_wrong_signature_is_432_before_anything_is_decrypted(client, key, token):
    body = json.dumps(encrypt(_request(token, "INIT"), key)[0]).encode()
    assert post_raw(client, body, secret=None).status_code == 432
    assert post_raw(client, body, secret="not-the-app-secret").status_code == 432
    assert post_raw(client, b"not even json", secret="not-the-app-secret").status_code == 432  # not 421: signature first


def _tamper(body: dict, field: str, value: str) -> bytes:
    return json.dumps({**body, field: value}).encode()


@pytest.mark.parametrize("kind", ["not_json", "missing_field", "bad_base64", "short_iv", "short_data", "bad_tag",
                                  "wrong_key", "short_aes_key"])
def test_every_kind_of_undecryptable_request_is_421(client, key, token, rsa_keys, kind):
    body, aes_key, iv = encrypt(_request(token, "INIT"), key)
    data = base64.b64decode(body["encrypted_flow_data"])
    raw = {
        "not_json": lambda: b"{not json",
        "missing_field": lambda: json.dumps({k: v for k, v in body.items() if k != "initial_vector"}).encode(),
        "bad_base64": lambda: _tamper(body, "encrypted_aes_key", "***not base64***"),
        "short_iv": lambda: _tamper(body, "initial_vector", base64.b64encode(iv[:12]).decode()),
        "short_data": lambda: _tamper(body, "encrypted_flow_data", base64.b64encode(data[:10]).decode()),
        "bad_tag": lambda: _tamper(body, "encrypted_flow_data",
                                   base64.b64encode(data[:-1] + bytes([data[-1] ^ 1])).decode()),
        "wrong_key": lambda: json.dumps(encrypt(_request(token, "INIT"), rsa_keys[2].public_key())[0]).encode(),
        "short_aes_key": lambda: json.dumps(encrypt(_request(token, "INIT"), key, aes_key=bytes(32))[0]).encode(),
    }[kind]()

    response = post_raw(client, raw, secret=APP_SECRET)

    assert response.status_code == 421


@pytest.mark.parametrize("case", ["unknown", "expired", "completed", "other_number", "missing"])
def test_a_token_we_did_not_issue_or_that_is_over_is_427_with_the_encrypted_message(client, key, token, case,
                                                                                     add_phone):
    payload = _request(token, "INIT")
    if case == "unknown":
        payload["flow_token"] = "made-up-token"
    elif case == "expired":
        FlowToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "completed":
        FlowToken.objects.filter(pk=token.pk).update(completed_at=timezone.now())
    elif case == "other_number":
        FlowToken.objects.filter(pk=token.pk).update(phone_number=add_phone("106540352242999"))
    else:
        payload.pop("flow_token")

    sent = post_flow(client, payload, key, secret=APP_SECRET)

    assert sent.status == 427
    assert sent.answer() == {"error_msg": EXPIRED_MESSAGE}


def _jwt(claims: dict, secret: str, alg: str = "HS256") -> str:
    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    head = f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}"
    signature = hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_a_good_flow_token_signature_passes_and_a_bad_one_is_427(client, key, token):
    good = _jwt({"flow_token": token.token}, APP_SECRET)
    assert post_flow(client, _request(token, "INIT", flow_token_signature=good), key, secret=APP_SECRET).status == 200

    for bad in (_jwt({"flow_token": token.token}, "another-secret"), _jwt({"flow_token": "other"}, APP_SECRET),
                _jwt({"flow_token": token.token}, APP_SECRET, alg="none"), "not.a.jwt", 42):
        sent = post_flow(client, _request(token, "INIT", flow_token_signature=bad), key, secret=APP_SECRET)
        assert sent.status == 427, bad


# -- keys ---------------------------------------------------------------------------------------------


def test_during_a_rotation_old_and_new_keys_both_work_until_the_old_one_is_retired(client, phone, token, rsa_keys):
    old = _store_key(phone, rsa_keys[0], state=FlowKey.State.RETIRING)
    _store_key(phone, rsa_keys[1])
    old_public, new_public = rsa_keys[0].public_key(), rsa_keys[1].public_key()

    assert post_flow(client, _request(token, "INIT"), old_public, secret=APP_SECRET).status == 200
    assert post_flow(client, _request(token, "INIT"), new_public, secret=APP_SECRET).status == 200

    FlowKey.objects.filter(pk=old.pk).update(state=FlowKey.State.RETIRED)

    assert post_flow(client, _request(token, "INIT"), old_public, secret=APP_SECRET).status == 421
    assert post_flow(client, _request(token, "INIT"), new_public, secret=APP_SECRET).status == 200


def test_another_accounts_key_does_not_open_our_requests(client, token, rsa_keys, account):
    from accounts.models import BusinessAccount, PhoneNumber

    other = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="other-secret",
                                           verify_token="y")
    _store_key(PhoneNumber.objects.create(account=other, phone_number_id="999001", display_phone_number="1555"),
               rsa_keys[1])

    # Signed with our secret but encrypted for the other account's number: no key of ours fits.
    assert post_flow(client, _request(token, "INIT"), rsa_keys[1].public_key(), secret=APP_SECRET).status == 421


# -- logs and counts ----------------------------------------------------------------------------------


def test_nothing_decrypted_reaches_the_logs(client, key, token, caplog):
    caplog.set_level(logging.DEBUG)
    data = {"name": SECRET_WORD, "error": SECRET_WORD}
    post_flow(client, _request(token, "data_exchange", "WELCOME", {"name": SECRET_WORD}), key, secret=APP_SECRET)
    post_flow(client, _request(token, "data_exchange", "WELCOME", data), key, secret=APP_SECRET)
    token.flow.endpoint_handler = "missing-handler"
    token.flow.save()
    post_flow(client, _request(token, "data_exchange", "WELCOME", {"name": SECRET_WORD}), key, secret=APP_SECRET)
    post_flow(client, {**_request(token, "INIT"), "flow_token": SECRET_WORD}, key, secret=APP_SECRET)

    assert caplog.records  # the refusals are logged …
    assert all(SECRET_WORD not in record.getMessage() and token.token not in record.getMessage()
               for record in caplog.records)  # … without what the customer sent


def test_it_counts_requests_errors_and_latency_per_flow_and_hour(client, key, token):
    post_flow(client, _request(token, "INIT"), key, secret=APP_SECRET)
    post_flow(client, {**_request(token, "INIT"), "flow_token": "unknown"}, key, secret=APP_SECRET)
    post_raw(client, b"{}", secret="wrong")

    flow_rows = FlowEndpointStat.objects.filter(flow=token.flow)
    assert sum(r.requests for r in flow_rows) == 1
    unattributed = FlowEndpointStat.objects.filter(flow=None)
    assert sum(r.requests for r in unattributed) == 2
    assert sum(r.errors_427 for r in unattributed) == 1 and sum(r.errors_432 for r in unattributed) == 1

    from messaging.selectors.flow_endpoint import endpoint_hourly

    hours = endpoint_hourly(token.flow)
    assert len(hours) == 1 and hours[0]["requests"] == 1 and hours[0]["errors"][427] == 0


def test_the_endpoint_skips_sessions_csrf_and_page_headers(client, key, operator):
    client.force_login(operator)
    sent = post_flow(client, {"version": "3.0", "action": "ping"}, key, secret=APP_SECRET)
    assert sent.status == 200
    assert not hasattr(sent.response.wsgi_request, "session")
    assert "Content-Security-Policy" not in sent.response.headers
    assert client.get("/flows/endpoint/").status_code == 405
