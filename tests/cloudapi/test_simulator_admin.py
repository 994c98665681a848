"""Account administration against the simulator (docs/simulator.md): the 72-hour register/deregister
counters, request_code's ``language``, debug_token, subscribed apps, phone number pages, the portfolio's
messaging limit, the owner business, the business profile and the webhooks these cause."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from cloudapi.client import CloudApiClient
from cloudapi.errors import AuthError, CloudApiError, PermissionDeniedError
from cloudapi.signature import is_valid
from cloudapi.simulator.config import MESSAGING_SCOPE, SimToken

from .sim_env import APP, OTHER_WABA, PHONE, PHONE2, SECRET, TOKEN, VERSION, WABA, SimEnv, assert_graph_error
from .simulator_http import FakeClock

pytestmark = pytest.mark.against_simulator

MANAGEMENT = "whatsapp_business_management"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
START = 1_750_000_000


def _raw(env: SimEnv, method: str, path: str, *, version: str = VERSION, token: str = TOKEN,
         **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(method, f"{env.url}/{version}{path}", headers=headers, timeout=5, **kwargs)


def _signed_values(env: SimEnv, field: str) -> list[dict[str, Any]]:
    """The ``value`` of each queued webhook of ``field``, after checking its signature."""
    values = []
    for body, headers in env.sim.take_webhooks():
        assert is_valid(body, headers["X-Hub-Signature-256"], SECRET)
        change = json.loads(body)["entry"][0]["changes"][0]
        if change["field"] == field:
            values.append(change["value"])
    return values


# -- registration --------------------------------------------------------------------------------


def test_it_counts_register_and_deregister_apart_and_locks_the_number_after_the_eleventh(make_env) -> None:
    clock = FakeClock(START)
    env = make_env(clock=clock)
    client = env.client()

    for _ in range(10):
        client.register(phone_number_id=PHONE, pin="123456")
    after_registers = env.sim.registration_limits(PHONE)
    for _ in range(10):
        client.deregister(phone_number_id=PHONE)
    with pytest.raises(CloudApiError) as eleventh:
        client.register(phone_number_id=PHONE, pin="123456")
    with pytest.raises(CloudApiError) as locked:
        client.deregister(phone_number_id=PHONE)  # its own count is not used up, but the number is locked
    during_lock = env.sim.registration_limits(PHONE)
    clock.advance(72 * 3600)

    assert after_registers == {"register": {"used": 10, "left": 0}, "deregister": {"used": 0, "left": 10},
                               "locked_until": None}
    assert_graph_error(eleventh.value, code=133016, http_status=400, retryable=False)
    assert_graph_error(locked.value, code=133016, http_status=400, retryable=False, details="locked")
    assert during_lock["locked_until"] == START + 72 * 3600
    assert client.register(phone_number_id=PHONE, pin="123456") is True
    state = requests.get(f"{env.url}/_sim/numbers/{PHONE}", timeout=5).json()
    assert state["registration"]["register"] == {"used": 1, "left": 9}
    assert state["state"]["status"] == "CONNECTED"
    assert env.sim.take_webhooks() == []  # Meta sends no webhook for register / deregister


def test_a_pin_change_sends_the_security_webhook_and_register_needs_that_pin(sim_env: SimEnv,
                                                                            client: CloudApiClient) -> None:
    client.set_two_step_pin(phone_number_id=PHONE, pin="135790")
    security = _signed_values(sim_env, "security")
    with pytest.raises(CloudApiError) as mismatch:
        client.register(phone_number_id=PHONE, pin="123456")
    client.register(phone_number_id=PHONE, pin="135790")

    assert security == [{"display_phone_number": "15550783881", "event": "PIN_CHANGED"}]
    assert mismatch.value.code == 133005
    assert sim_env.sim.registration_limits(PHONE)["register"]["used"] == 2  # the refused call counted too
    assert "pin_digest" not in sim_env.sim.number_state(PHONE)
    assert "pin_digest" not in json.dumps(_raw(sim_env, "GET", f"/{PHONE}",
                                               params={"fields": ",".join(("id", "is_pin_enabled"))}).json())


def test_it_refuses_locale_and_sends_the_code_in_the_language(sim_env: SimEnv, client: CloudApiClient) -> None:
    with_locale = _raw(sim_env, "POST", f"/{PHONE}/request_code", json={"code_method": "SMS", "locale": "en_US"})
    without = _raw(sim_env, "POST", f"/{PHONE}/request_code", json={"code_method": "SMS"})

    assert (with_locale.status_code, with_locale.json()["error"]["code"]) == (400, 100)
    assert "language" in with_locale.json()["error"]["error_data"]["details"]
    assert (without.status_code, without.json()["error"]["code"]) == (400, 100)
    assert client.request_code(phone_number_id=PHONE, code_method="VOICE", language="pt_BR") is True
    assert client.verify_code(phone_number_id=PHONE, code="123456") is True


# -- tokens ------------------------------------------------------------------------------------------


def test_it_describes_tokens_with_debug_token(make_env) -> None:
    expired = SimToken(token="expired-token", waba_ids=(WABA,), expires_at=START - 60)
    narrow = SimToken(token="messaging-only-token", waba_ids=(WABA,), scopes=(MESSAGING_SCOPE,),
                      expires_at=START + 86400)
    env = make_env(clock=FakeClock(START), tokens=[expired, narrow])
    client = env.client()

    ours = client.debug_token(app_id=APP, app_secret=SECRET)
    old = client.debug_token(app_id=APP, app_secret=SECRET, input_token="expired-token")
    limited = client.debug_token(app_id=APP, app_secret=SECRET, input_token="messaging-only-token")
    unknown = client.debug_token(app_id=APP, app_secret=SECRET, input_token="garbage")

    assert (ours.is_valid, ours.never_expires, ours.app_id) == (True, True, APP)
    assert ours.grants(MANAGEMENT, WABA) and ours.grants(MESSAGING_SCOPE, WABA)
    assert not ours.grants(MANAGEMENT, OTHER_WABA)
    assert (old.is_valid, old.expired, old.error_code, old.error_subcode) == (False, True, 190, 463)
    assert limited.is_valid and limited.expires_at == START + 86400
    assert not limited.grants(MANAGEMENT, WABA) and limited.grants(MESSAGING_SCOPE, WABA)
    assert (unknown.is_valid, unknown.error_code, unknown.scopes) == (False, 190, ())


def test_it_answers_expired_and_missing_scope_tokens_as_meta_does(make_env) -> None:
    env = make_env(clock=FakeClock(START), tokens=[
        SimToken(token="expired-token", waba_ids=(WABA,), expires_at=START - 60),
        SimToken(token="messaging-only-token", waba_ids=(WABA,), scopes=(MESSAGING_SCOPE,))])

    with pytest.raises(AuthError) as expired:
        env.client(token="expired-token").list_phone_numbers(waba_id=WABA)
    with pytest.raises(PermissionDeniedError) as no_scope:
        env.client(token="messaging-only-token").list_phone_numbers(waba_id=WABA)
    with pytest.raises(AuthError) as wrong_secret:
        env.client().debug_token(app_id=APP, app_secret="not-the-secret")
    missing_input = _raw(env, "GET", "/debug_token", token=f"{APP}|{SECRET}")

    assert expired.value.token_expired and expired.value.http_status == 401
    assert_graph_error(no_scope.value, code=200, http_status=403, retryable=False, details=MANAGEMENT)
    assert wrong_secret.value.code == 190 and not wrong_secret.value.token_expired
    assert (missing_input.status_code, missing_input.json()["error"]["code"]) == (400, 100)


# -- the WABA: owner business, subscribed apps, numbers ---------------------------------------------


def test_it_names_the_business_portfolio_owning_the_waba(client: CloudApiClient) -> None:
    waba = client.get_business_account(waba_id=WABA)
    other = client.get_business_account(waba_id=WABA)

    assert waba.id == WABA and waba.owner_business_id and waba.owner_business_id.isdigit()
    assert waba.owner_business_name and other.owner_business_id == waba.owner_business_id


def test_it_round_trips_the_subscription_with_an_override(sim_env: SimEnv, client: CloudApiClient) -> None:
    before = client.list_subscribed_apps(waba_id=WABA)
    client.unsubscribe_app(waba_id=WABA)
    gone = client.list_subscribed_apps(waba_id=WABA)
    client.subscribe_app(waba_id=WABA, override_callback_uri="https://hooks.example/wa/", verify_token="vt-1")
    after = client.list_subscribed_apps(waba_id=WABA)
    plain_http = _raw(sim_env, "POST", f"/{WABA}/subscribed_apps",
                      json={"override_callback_uri": "http://hooks.example/", "verify_token": "x"})

    assert [(a.id, a.override_callback_uri) for a in before] == [(APP, None)]
    assert gone == []
    assert [(a.id, a.override_callback_uri) for a in after] == [(APP, "https://hooks.example/wa/")]
    assert (plain_http.status_code, plain_http.json()["error"]["code"]) == (400, 100)


def test_it_pages_the_phone_numbers_and_the_client_follows_every_page(sim_env: SimEnv,
                                                                      client: CloudApiClient) -> None:
    first = _raw(sim_env, "GET", f"/{WABA}/phone_numbers", params={"limit": 1}).json()
    second = _raw(sim_env, "GET", f"/{WABA}/phone_numbers",
                  params={"limit": 1, "after": first["paging"]["cursors"]["after"]}).json()

    numbers = client.list_phone_numbers(waba_id=WABA, limit=1)

    assert [n["id"] for n in first["data"] + second["data"]] == [PHONE, PHONE2]
    assert "next" in first["paging"] and "next" not in second["paging"]
    assert [n.id for n in numbers] == [PHONE, PHONE2]
    one = numbers[0]
    assert (one.display_phone_number, one.verified_name, one.name_status, one.code_verification_status,
            one.quality_rating, one.platform_type, one.throughput_level, one.status, one.messaging_limit_tier) == (
        "15550783881", "Acme", "APPROVED", "VERIFIED", "GREEN", "CLOUD_API", "STANDARD", "CONNECTED", "TIER_250")


def test_it_serves_the_portfolio_limit_from_v24_and_the_old_field_before(sim_env: SimEnv) -> None:
    sim_env.sim.set_messaging_limit(WABA, "TIER_2K")
    capability = _signed_values(sim_env, "business_capability_update")
    v24 = sim_env.client().get_phone_number(phone_number_id=PHONE2)
    v23 = CloudApiClient(access_token=TOKEN, base_url=sim_env.url, version="v23.0").get_phone_number(
        phone_number_id=PHONE2)
    new_field_on_v23 = _raw(sim_env, "GET", f"/{PHONE}", version="v23.0",
                            params={"fields": "whatsapp_business_manager_messaging_limit"})
    both = _raw(sim_env, "GET", f"/{PHONE}",
                params={"fields": "whatsapp_business_manager_messaging_limit,messaging_limit_tier"}).json()

    assert capability == [{"max_daily_conversations_per_business": "TIER_2K"}]
    assert v24.messaging_limit_tier == v23.messaging_limit_tier == "TIER_2K"
    assert (new_field_on_v23.status_code, new_field_on_v23.json()["error"]["code"]) == (400, 100)
    assert both == {"whatsapp_business_manager_messaging_limit": "TIER_2K", "messaging_limit_tier": "TIER_2K",
                    "id": PHONE}


# -- business profile ------------------------------------------------------------------------------


PROFILE = {"about": "Fresh bread daily", "address": "1 Main St", "description": "A bakery.",
           "email": "hello@bakery.example", "websites": ["https://bakery.example/"], "vertical": "RESTAURANT"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("about", ""), ("about", "x" * 140), ("description", "x" * 513), ("address", "x" * 257),
        ("email", "not-an-email"), ("email", "a" * 120 + "@bakery.example"),
        ("websites", ["https://a.example", "https://b.example", "https://c.example"]),
        ("websites", ["ftp://bakery.example"]), ("websites", ["https://" + "a" * 250 + ".example"]),
        ("websites", ["https://"]), ("websites", ["https://bakery .example"]), ("websites", [""]),
        ("vertical", "SPACESHIPS"), ("profile_picture_handle", "4::forged"),
    ],
)
def test_it_refuses_a_profile_field_with_100_and_keeps_metas_copy(client: CloudApiClient, field: str,
                                                                  value: Any) -> None:
    client.update_business_profile(phone_number_id=PHONE, about="Before")

    with pytest.raises(CloudApiError) as refused:
        client.update_business_profile(phone_number_id=PHONE, **{"vertical": "RETAIL", field: value})

    assert_graph_error(refused.value, code=100, http_status=400, retryable=False, details=field)
    after = client.get_business_profile(phone_number_id=PHONE)
    assert (after.about, after.vertical) == ("Before", "UNDEFINED")


def test_it_keeps_the_saved_profile_and_the_picture_from_an_upload_handle(client: CloudApiClient) -> None:
    handle = client.upload_for_handle(app_id=APP, file_name="logo.jpg", data=JPEG, file_type="image/jpeg")
    pdf = client.upload_for_handle(app_id=APP, file_name="menu.pdf", data=b"%PDF-1.4", file_type="application/pdf")

    client.update_business_profile(phone_number_id=PHONE, profile_picture_handle=handle, **PROFILE)
    saved = client.get_business_profile(phone_number_id=PHONE)
    with pytest.raises(CloudApiError) as not_an_image:
        client.update_business_profile(phone_number_id=PHONE, profile_picture_handle=pdf)

    assert (saved.about, saved.address, saved.description, saved.email, list(saved.websites), saved.vertical) == (
        PROFILE["about"], PROFILE["address"], PROFILE["description"], PROFILE["email"], PROFILE["websites"],
        PROFILE["vertical"])
    assert saved.profile_picture_url and saved.profile_picture_url.endswith(".jpg")
    assert not_an_image.value.code == 100 and "image" in not_an_image.value.details
    assert client.get_business_profile(phone_number_id=PHONE).profile_picture_url == saved.profile_picture_url
    assert client.update_business_profile(phone_number_id=PHONE, about="x" * 139) is True


def test_it_refuses_a_profile_picture_above_5_mb(client: CloudApiClient) -> None:
    big = client.upload_for_handle(app_id=APP, file_name="huge.jpg", data=JPEG + b"\x00" * (5 * 1024 * 1024),
                                   file_type="image/jpeg")

    with pytest.raises(CloudApiError) as refused:
        client.update_business_profile(phone_number_id=PHONE, profile_picture_handle=big)

    assert_graph_error(refused.value, code=100, http_status=400, retryable=False, details="profile_picture_handle")
    assert "5 MB" in refused.value.details
    assert client.get_business_profile(phone_number_id=PHONE).profile_picture_url is None


# -- webhooks Meta sends -------------------------------------------------------------------------


def test_it_sends_the_name_and_quality_webhooks_signed(sim_env: SimEnv, client: CloudApiClient) -> None:
    sim_env.sim.review_display_name(PHONE, "Acme Bakery")
    named = _signed_values(sim_env, "phone_number_name_update")
    sim_env.sim.review_display_name(PHONE, "Acme!!!", "REJECTED", "NAME_FORMAT_UNACCEPTABLE")
    rejected = _signed_values(sim_env, "phone_number_name_update")
    sim_env.sim.set_number_quality(PHONE, "RED")
    flagged = _signed_values(sim_env, "phone_number_quality_update")
    sim_env.sim.set_number_quality(PHONE, "YELLOW")
    unflagged = _signed_values(sim_env, "phone_number_quality_update")

    assert named == [{"display_phone_number": "15550783881", "decision": "APPROVED",
                      "requested_verified_name": "Acme Bakery", "rejection_reason": None}]
    assert rejected[0]["decision"] == "REJECTED" and rejected[0]["rejection_reason"] == "NAME_FORMAT_UNACCEPTABLE"
    assert [v["event"] for v in flagged + unflagged] == ["FLAGGED", "UNFLAGGED"]
    number = client.get_phone_number(phone_number_id=PHONE)
    assert (number.verified_name, number.new_name_status, number.quality_rating) == (
        "Acme Bakery", "DECLINED", "YELLOW")
