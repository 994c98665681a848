"""Every GET the simulator serves answers each field docs/cloudapi.md documents for it when asked
(``fields=`` like Meta's), and a field the node doesn't have is Meta's 400/100 — never silently dropped.

The field lists are written out here from the docs, not taken from the simulator, so a field the
simulator forgets makes a test fail.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from cloudapi.simulator import Simulator

from .simulator_http import APP_ID, PHONE_NUMBER_ID, WABA_ID, Api, assert_error, make_sim

TEMPLATE_FIELDS = ("id", "name", "language", "status", "category", "sub_category", "components", "parameter_format",
                   "previous_category", "correct_category", "rejected_reason", "quality_score",
                   "message_send_ttl_seconds", "cta_url_link_tracking_opted_out")
SUMMARY = ("total_count", "message_template_count", "message_template_limit", "are_translations_complete")
FLOW_FIELDS = ("id", "name", "categories", "preview", "status", "validation_errors", "json_version",
               "data_api_version", "data_channel_uri", "health_status", "whatsapp_business_account", "application",
               "updated_at")
NUMBER_FIELDS = ("id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status",
                 "name_status", "new_name_status", "platform_type", "throughput", "status", "account_mode",
                 "is_official_business_account", "is_pin_enabled", "is_on_biz_app", "webhook_configuration",
                 "health_status", "quality_score", "last_onboarded_time", "messaging_limit_tier",
                 "whatsapp_business_manager_messaging_limit")
PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")
MEDIA_FIELDS = ("messaging_product", "url", "mime_type", "sha256", "file_size", "id")
WABA_FIELDS = ("id", "name", "timezone_id", "message_template_namespace")
FLOW_JSON = b'{"version": "7.3", "data_api_version": "3.0", "screens": [{"id": "WELCOME", "terminal": true}]}'


@pytest.fixture
def sim() -> Iterator[Simulator]:  # noqa: F811 - reviews happen at once here
    simulator = make_sim(template_review_delay=0)
    yield simulator
    simulator.close()


def all_of(names: tuple[str, ...]) -> dict[str, str]:
    return {"fields": ",".join(names)}


def assert_has_every(document: dict[str, Any], names: tuple[str, ...]) -> None:
    missing = [name for name in names if name not in document]
    assert not missing, f"missing {missing} in {document}"


def new_template(api: Api, sim: Simulator, language: str = "en_US") -> str:
    created = api.post(f"/{WABA_ID}/message_templates", json={
        "name": "order_ready", "language": language, "category": "MARKETING", "sub_category": "ORDER_DETAILS",
        "message_send_ttl_seconds": 3600,
        "components": [{"type": "BODY", "text": "Hi {{1}}, your order is ready.", "example": {"body_text": [["Pablo"]]}}]})
    assert created.status_code == 200, created.text
    sim.recategorize_template(created.json()["id"], "UTILITY")
    return created.json()["id"]


def test_it_lists_templates_with_every_documented_field_and_the_summary(api: Api, sim: Simulator) -> None:
    new_template(api, sim)

    listed = api.get(f"/{WABA_ID}/message_templates",
                     params={**all_of(TEMPLATE_FIELDS), "name": "order_ready", "summary": ",".join(SUMMARY)})
    [template] = listed.json()["data"]

    assert listed.status_code == 200
    assert_has_every(template, TEMPLATE_FIELDS)
    assert (template["previous_category"], template["correct_category"], template["category"]) == (
        "MARKETING", "UTILITY", "UTILITY")
    assert template["message_send_ttl_seconds"] == 3600
    # one of ours matches the name filter; hello_world, seeded by Meta, counts towards the account's total
    assert listed.json()["summary"] == {"total_count": 1, "message_template_count": 2,
                                        "message_template_limit": 250, "are_translations_complete": True}


def test_it_says_translations_are_incomplete_when_a_template_lacks_a_language(api: Api, sim: Simulator) -> None:
    new_template(api, sim, language="pt_BR")  # hello_world exists only in en_US

    summary = api.get(f"/{WABA_ID}/message_templates", params={"summary": "are_translations_complete,total_count"})
    generic = api.get(f"/{WABA_ID}/message_templates", params={"summary": "true"})
    unknown = api.get(f"/{WABA_ID}/message_templates", params={"summary": "total_count,pizza"})

    assert summary.json()["summary"] == {"are_translations_complete": False, "total_count": 2}
    assert generic.json()["summary"] == {"total_count": 2}
    assert_error(unknown, 400, 100, details="pizza")


def test_it_reads_a_template_with_every_documented_field_and_narrows_sub_fields(api: Api, sim: Simulator) -> None:
    template_id = new_template(api, sim)

    full = api.get(f"/{template_id}", params=all_of(TEMPLATE_FIELDS)).json()
    narrowed = api.get(f"/{template_id}", params={"fields": "name,quality_score{score}"}).json()

    assert_has_every(full, TEMPLATE_FIELDS)
    assert set(full["quality_score"]) == {"score", "date"}
    assert narrowed == {"name": "order_ready", "quality_score": {"score": "UNKNOWN"}, "id": template_id}


def test_it_reads_and_lists_flows_with_every_documented_field(api: Api) -> None:
    flow_id = api.post(f"/{WABA_ID}/flows", json={"name": "signup", "categories": ["SIGN_UP"],
                                                   "endpoint_uri": "https://shop.example/flows"}).json()["id"]
    api.post(f"/{flow_id}/assets", data={"name": "flow.json", "asset_type": "FLOW_JSON"},
             files={"file": ("flow.json", FLOW_JSON, "application/json")})

    flow = api.get(f"/{flow_id}", params=all_of(FLOW_FIELDS)).json()
    [listed] = api.get(f"/{WABA_ID}/flows", params=all_of(FLOW_FIELDS)).json()["data"]

    assert_has_every(flow, FLOW_FIELDS)
    assert_has_every(listed, FLOW_FIELDS)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", flow["updated_at"]), flow["updated_at"]
    assert (flow["json_version"], flow["data_channel_uri"]) == ("7.3", "https://shop.example/flows")


def test_it_reads_and_lists_phone_numbers_with_every_documented_field(api: Api) -> None:
    number = api.get(f"/{PHONE_NUMBER_ID}", params=all_of(NUMBER_FIELDS)).json()
    [listed] = api.get(f"/{WABA_ID}/phone_numbers", params=all_of(NUMBER_FIELDS)).json()["data"]
    narrowed = api.get(f"/{PHONE_NUMBER_ID}", params={"fields": "throughput{level},health_status"}).json()

    assert_has_every(number, NUMBER_FIELDS)
    assert_has_every(listed, NUMBER_FIELDS)
    assert narrowed["throughput"] == {"level": "STANDARD"}
    assert narrowed["health_status"]["can_send_message"] == "AVAILABLE"
    assert set(narrowed) == {"id", "throughput", "health_status"}


def test_it_reads_the_business_profile_with_every_documented_field(api: Api) -> None:
    session = api.post(f"/{APP_ID}/uploads", params={"file_name": "p.jpg", "file_length": 3,
                                                    "file_type": "image/jpeg"}).json()["id"]
    handle = api.post(f"/{session}", data=b"abc", headers={"file_offset": "0"}).json()["h"]
    api.post(f"/{PHONE_NUMBER_ID}/whatsapp_business_profile", json={
        "messaging_product": "whatsapp", "profile_picture_handle": handle, "about": "Butterflies",
        "address": "101 Butterfly Ln.", "description": "We sell butterflies.", "email": "b@example.com",
        "websites": ["https://www.example.com/"], "vertical": "RETAIL"})

    [profile] = api.get(f"/{PHONE_NUMBER_ID}/whatsapp_business_profile", params=all_of(PROFILE_FIELDS)).json()["data"]

    assert_has_every(profile, (*PROFILE_FIELDS, "messaging_product"))


def test_it_reads_media_and_the_waba_with_every_documented_field(api: Api) -> None:
    media_id = api.post(f"/{PHONE_NUMBER_ID}/media", data={"messaging_product": "whatsapp"},
                        files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"px" * 10, "image/png")}).json()["id"]

    media = api.get(f"/{media_id}", params=all_of(MEDIA_FIELDS)).json()
    some_media = api.get(f"/{media_id}", params={"fields": "mime_type"}).json()
    waba = api.get(f"/{WABA_ID}", params=all_of(WABA_FIELDS)).json()

    assert_has_every(media, MEDIA_FIELDS)
    assert some_media == {"mime_type": "image/png", "id": media_id}
    assert_has_every(waba, WABA_FIELDS)


@pytest.mark.parametrize("path, node_type", [
    (f"/{WABA_ID}/message_templates", "WhatsAppBusinessHSM"),
    (f"/{WABA_ID}/flows", "WhatsAppFlow"),
    (f"/{WABA_ID}/phone_numbers", "WhatsAppBusinessPhoneNumber"),
    (f"/{PHONE_NUMBER_ID}", "WhatsAppBusinessPhoneNumber"),
    (f"/{PHONE_NUMBER_ID}/whatsapp_business_profile", "WhatsAppBusinessProfile"),
    (f"/{WABA_ID}", "WhatsAppBusinessAccount"),
])
def test_it_refuses_a_field_the_node_does_not_have_like_meta(api: Api, path: str, node_type: str) -> None:
    response = api.get(path, params={"fields": "id,pizza"} if "profile" not in path else {"fields": "about,pizza"})

    error = assert_error(response, 400, 100)
    assert error["message"] == f"(#100) Tried accessing nonexisting field (pizza) on node type ({node_type})"
