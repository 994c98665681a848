"""Phone numbers at the HTTP layer: list (paged), get, ownership codes, register (docs/cloudapi.md §7)."""

import json

import pytest
from responses import matchers

from cloudapi.client import PhoneNumberInfo
from cloudapi.client.phone_numbers import MESSAGING_LIMIT_FIELD, PHONE_NUMBER_FIELDS
from cloudapi.errors import CloudApiError

from ..conftest import fixture_bytes
from .conftest import graph_error

BASE = "https://graph.example"
WABA = "102290129340398"
PHONE = "106540352242922"


def test_it_lists_the_numbers_of_a_waba(client, graph):
    graph.get(
        f"{BASE}/v24.0/{WABA}/phone_numbers",
        body=fixture_bytes("phone_numbers_list_response.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"fields": ",".join((*PHONE_NUMBER_FIELDS, MESSAGING_LIMIT_FIELD)),
                                              "limit": "100"})],
    )

    numbers = client.list_phone_numbers(waba_id=WABA)

    assert [(n.id, n.display_phone_number, n.quality_rating) for n in numbers] == [
        ("109219652874979", "1111111111", "YELLOW"),
        ("109252871979649", "2222222222", "RED"),
        ("109287919526479", "33333333333", "GREEN"),
        ("105292879647919", "4444444", "NA"),
    ]
    assert numbers[0] == PhoneNumberInfo(
        id="109219652874979",
        display_phone_number="1111111111",
        verified_name="Test Number",
        quality_rating="YELLOW",
        code_verification_status="NOT_VERIFIED",
    )


def test_it_lists_numbers_across_pages(client, graph):
    url = f"{BASE}/v24.0/{WABA}/phone_numbers"
    more = {"cursors": {"after": "c1"}, "next": "https://graph.facebook.com/x"}
    graph.get(url, json={"data": [{"id": "1"}], "paging": more})
    last = {"data": [{"id": "2"}], "paging": {"cursors": {"after": "c2"}}}
    graph.get(url, json=last, match=[matchers.query_param_matcher({"after": "c1"}, strict_match=False)])

    assert [n.id for n in client.list_phone_numbers(waba_id=WABA, fields=["id"])] == ["1", "2"]


def test_it_reads_everything_meta_says_about_a_number(client, graph):
    graph.get(
        f"{BASE}/v24.0/{PHONE}",
        json={
            "verified_name": "Acme",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+1 555-078-3881",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "name_status": "APPROVED",
            "new_name_status": "NONE",
            "status": "CONNECTED",
            "account_mode": "LIVE",
            "messaging_limit_tier": "TIER_2K",
            "is_official_business_account": False,
            "is_pin_enabled": True,
            "last_onboarded_time": "2025-01-08T10:00:00+0000",
            "webhook_configuration": {"application": "https://example.com/webhooks/whatsapp/"},
            "id": PHONE,
        },
        match=[matchers.query_param_matcher({"fields": "id,throughput"})],
    )

    number = client.get_phone_number(phone_number_id=PHONE, fields=["id", "throughput"])

    assert number == PhoneNumberInfo(
        id=PHONE,
        display_phone_number="+1 555-078-3881",
        verified_name="Acme",
        quality_rating="GREEN",
        code_verification_status="VERIFIED",
        name_status="APPROVED",
        new_name_status="NONE",
        platform_type="CLOUD_API",
        throughput_level="STANDARD",
        status="CONNECTED",
        account_mode="LIVE",
        messaging_limit_tier="TIER_2K",
        is_official_business_account=False,
        is_pin_enabled=True,
        last_onboarded_time="2025-01-08T10:00:00+0000",
    )


def test_it_leaves_what_meta_omits_empty(client, graph):
    graph.get(f"{BASE}/v24.0/{PHONE}", json={"id": PHONE, "throughput": "STANDARD", "is_pin_enabled": "yes"})

    number = client.get_phone_number(phone_number_id=PHONE)

    assert number == PhoneNumberInfo(id=PHONE)


@pytest.mark.parametrize(
    "call, path, body",
    [
        (
            lambda c: c.request_code(phone_number_id=PHONE, code_method="SMS", language="en_US"),
            "request_code",
            {"code_method": "SMS", "language": "en_US"},
        ),
        (lambda c: c.verify_code(phone_number_id=PHONE, code="123456"), "verify_code", {"code": "123456"}),
        (
            lambda c: c.register(phone_number_id=PHONE, pin="654321"),
            "register",
            {"messaging_product": "whatsapp", "pin": "654321"},
        ),
        (lambda c: c.deregister(phone_number_id=PHONE), "deregister", None),
    ],
)
def test_it_verifies_and_registers_a_number(client, graph, call, path, body):
    graph.post(f"{BASE}/v24.0/{PHONE}/{path}", json={"success": True})

    assert call(client) is True

    sent = graph.calls[0].request.body
    assert (json.loads(sent) if sent else None) == body


def test_it_reports_too_many_register_attempts_as_permanent(client, graph):
    graph.post(f"{BASE}/v24.0/{PHONE}/register", json=graph_error(133016), status=400)

    with pytest.raises(CloudApiError) as caught:
        client.register(phone_number_id=PHONE, pin="654321")

    assert (caught.value.code, caught.value.retryable) == (133016, False)


def test_it_sets_the_two_step_pin_on_the_number_node(client, graph):
    graph.post(f"{BASE}/v24.0/{PHONE}", match=[matchers.json_params_matcher({"pin": "135790"})],
               json={"success": True})

    assert client.set_two_step_pin(phone_number_id=PHONE, pin="135790") is True
