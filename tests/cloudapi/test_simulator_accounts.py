"""The simulator's phone numbers, registration, business profile, subscribed apps and flows key."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cloudapi.simulator import Simulator, serve

from .simulator_http import (
    APP_ID,
    PHONE_NUMBER_ID,
    WABA_ID,
    Api,
    assert_error,
    assert_shape,
    customer_writes,
    fixture,
    make_sim,
    number,
)

PROFILE = f"/{PHONE_NUMBER_ID}/whatsapp_business_profile"


def test_it_lists_and_gets_phone_numbers_shaped_like_metas(api: Api) -> None:
    listed = api.get(f"/{WABA_ID}/phone_numbers")
    one = api.get(f"/{PHONE_NUMBER_ID}")
    more = api.get(f"/{PHONE_NUMBER_ID}", params={"fields": "platform_type,throughput,status,name_status"})

    assert listed.status_code == 200
    assert_shape(listed.json(), fixture("phone_numbers_list_response.json"))
    assert listed.json()["data"][0] == one.json()
    assert one.json() == {"verified_name": "Test Shop", "code_verification_status": "VERIFIED",
                          "display_phone_number": "15550783881", "quality_rating": "GREEN", "id": PHONE_NUMBER_ID}
    assert more.json() == {"platform_type": "CLOUD_API", "throughput": {"level": "STANDARD"}, "status": "CONNECTED",
                           "name_status": "APPROVED", "id": PHONE_NUMBER_ID}


def test_it_lists_only_the_numbers_of_the_tokens_waba() -> None:
    other = number(phone_number_id="200000000000009", waba_id="300000000000009", access_token="other-token",
                   display_phone_number="15550009999")
    simulator = make_sim(numbers=[number(), other])
    running = serve(simulator)
    try:
        ours, theirs = Api(running.url), Api(running.url, token="other-token")
        assert [n["id"] for n in ours.get(f"/{WABA_ID}/phone_numbers").json()["data"]] == [PHONE_NUMBER_ID]
        assert_error(theirs.get(f"/{WABA_ID}/phone_numbers"), 400, 100, subcode=33)
        assert_error(theirs.get(f"/{PHONE_NUMBER_ID}"), 400, 100, subcode=33)
    finally:
        running.shutdown()
        simulator.close()


def test_it_verifies_with_code_123456_after_a_request(api: Api) -> None:
    early = api.post(f"/{PHONE_NUMBER_ID}/verify_code", json={"code": "123456"})
    requested = api.post(f"/{PHONE_NUMBER_ID}/request_code", json={"code_method": "SMS", "language": "en_US"})
    wrong = api.post(f"/{PHONE_NUMBER_ID}/verify_code", json={"code": "000000"})
    right = api.post(f"/{PHONE_NUMBER_ID}/verify_code", json={"code": "123456"})

    assert_error(early, 400, 136025)
    assert requested.json() == {"success": True}
    assert_error(wrong, 400, 136025)
    assert right.json() == {"success": True}
    assert_error(api.post(f"/{PHONE_NUMBER_ID}/request_code", json={"code_method": "FAX"}), 400, 100)


def test_it_changes_the_two_step_pin(api: Api) -> None:
    assert api.post(f"/{PHONE_NUMBER_ID}", json={"pin": "654321"}).json() == {"success": True}
    assert_error(api.post(f"/{PHONE_NUMBER_ID}", json={"pin": "abc"}), 400, 100)


# -- business profile -----------------------------------------------------------------------


def test_it_updates_and_reads_the_business_profile_shaped_like_metas(api: Api) -> None:
    data = {"about": "My Butterfly Business sells butterflies", "address": "101 Butterfly Ln.",
            "description": "We sell butterflies.", "email": "butterflies@example.com",
            "websites": ["https://www.example.com/", "https://www.example.com/amea/"], "vertical": "RETAIL"}
    session = api.post(f"/{APP_ID}/uploads", params={"file_name": "p.jpg", "file_length": 3,
                                                    "file_type": "image/jpeg"}).json()["id"]
    handle = api.post(f"/{session}", data=b"abc", headers={"file_offset": "0"}).json()["h"]

    updated = api.post(PROFILE, json={"messaging_product": "whatsapp", "profile_picture_handle": handle, **data})
    profile = api.get(PROFILE, params={"fields": "about,address,description,email,profile_picture_url,websites,"
                                                 "vertical"})
    some = api.get(PROFILE, params={"fields": "about,email"})

    assert updated.json() == {"success": True}
    assert_shape(profile.json(), fixture("business_profile_get_response.json"))
    assert {k: profile.json()["data"][0][k] for k in data} == data
    assert some.json() == {"data": [{"about": data["about"], "email": data["email"], "messaging_product": "whatsapp"}]}


@pytest.mark.parametrize(
    "change",
    [
        {"about": ""},
        {"about": "x" * 140},
        {"address": "x" * 257},
        {"description": "x" * 513},
        {"email": "not-an-email"},
        {"email": "a@b.co" + "m" * 128},
        {"websites": ["https://a.example", "https://b.example", "https://c.example"]},
        {"websites": ["ftp://a.example"]},
        {"websites": ["https://" + "a" * 250 + ".example"]},
        {"vertical": "SPACESHIPS"},
        {"profile_picture_handle": "4::forged"},
    ],
)
def test_it_validates_profile_fields_with_100(api: Api, change: dict[str, Any]) -> None:
    response = api.post(PROFILE, json={"messaging_product": "whatsapp", **change})

    assert_error(response, 400, 100, details=next(iter(change)))


def test_it_accepts_the_about_text_at_139_characters(api: Api) -> None:
    assert api.post(PROFILE, json={"messaging_product": "whatsapp", "about": "x" * 139}).status_code == 200
    assert_error(api.post(PROFILE, json={"about": "x"}), 400, 100, details="messaging_product")


# -- subscribed apps, encryption, WABA ----------------------------------------------------------


def test_it_subscribes_and_unsubscribes_the_app_and_stops_webhooks_meanwhile(api: Api, sim: Simulator) -> None:
    listed = api.get(f"/{WABA_ID}/subscribed_apps").json()
    removed = api.delete(f"/{WABA_ID}/subscribed_apps").json()
    customer_writes(sim)
    silent = sim.take_webhooks()
    empty = api.get(f"/{WABA_ID}/subscribed_apps").json()
    added = api.post(f"/{WABA_ID}/subscribed_apps").json()
    customer_writes(sim)

    assert listed["data"][0]["whatsapp_business_api_data"]["id"] == APP_ID
    assert removed == added == {"success": True}
    assert silent == [] and empty == {"data": []}
    assert len(sim.take_webhooks()) == 1
    assert_error(api.post(f"/{WABA_ID}/subscribed_apps", json={"override_callback_uri": "http://x.example"}), 400,
                 100)


def _pem(key: Any) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_it_stores_the_business_public_key_for_flows(api: Api) -> None:
    pem = _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    path = f"/{PHONE_NUMBER_ID}/whatsapp_business_encryption"

    before = api.get(path).json()
    saved = api.post(path, data={"business_public_key": pem}).json()
    after = api.get(path).json()

    assert before == {"data": []}
    assert saved == {"success": True}
    assert after == {"data": [{"business_public_key": pem, "business_public_key_signature_status": "VALID"}]}
    assert_error(api.post(path, data={"business_public_key": "not a key"}), 400, 100)
    assert_error(api.post(path, data={"business_public_key": _pem(ec.generate_private_key(ec.SECP256R1()))}), 400, 100)


def test_it_describes_the_waba(api: Api) -> None:
    waba = api.get(f"/{WABA_ID}").json()

    assert (waba["id"], waba["name"]) == (WABA_ID, "Test Shop")
    assert_error(api.get("/555555555555555"), 400, 100, subcode=33)


def test_it_answers_190_for_a_token_with_non_ascii_characters(api: Api, server: str) -> None:
    stranger = Api(server, token="tökén")

    assert_error(stranger.get(f"/{PHONE_NUMBER_ID}"), 401, 190)
