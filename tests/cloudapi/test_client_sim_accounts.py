"""Phone numbers, the business profile and subscribed apps through the client against a running simulator."""

from __future__ import annotations

from typing import Any

import pytest

from cloudapi.client import BusinessProfileInfo, CloudApiClient, PhoneNumberInfo, SubscribedApp
from cloudapi.errors import CloudApiError

from .sim_env import (
    APP,
    PHONE,
    PHONE2,
    WABA,
    SimEnv,
    assert_graph_error,
)

pytestmark = pytest.mark.against_simulator

JPEG = b"\xff\xd8\xff\xe0" + b"\x02" * 500 + b"\xff\xd9"

# -- phone numbers ----------------------------------------------------------------------------


def test_it_lists_the_wabas_phone_numbers_with_every_field_it_asks_for(client: CloudApiClient) -> None:
    found = client.list_phone_numbers(waba_id=WABA)

    assert [n.id for n in found] == [PHONE, PHONE2]
    first = found[0]
    assert isinstance(first, PhoneNumberInfo)
    assert (first.display_phone_number, first.verified_name) == ("15550783881", "Acme")
    assert first.quality_rating == "GREEN"
    assert first.code_verification_status == "VERIFIED"
    assert first.name_status == "APPROVED"
    assert first.platform_type == "CLOUD_API"
    assert first.throughput_level == "STANDARD"
    assert first.status == "CONNECTED"
    assert first.account_mode == "LIVE"
    assert first.messaging_limit_tier == "TIER_250"
    assert first.is_official_business_account is False
    assert first.is_pin_enabled is True
    assert first.last_onboarded_time and first.last_onboarded_time[:2] == "20"


def test_it_lists_phone_numbers_across_pages(sim_env: SimEnv, client: CloudApiClient) -> None:
    before = len(sim_env.sim.request_log())

    found = client.list_phone_numbers(waba_id=WABA, fields=("id", "display_phone_number"), limit=1)

    assert [(n.id, n.display_phone_number, n.quality_rating) for n in found] == [
        (PHONE, "15550783881", None), (PHONE2, "15550783882", None)]
    assert len(sim_env.sim.request_log()) - before == 2


def test_it_reads_one_phone_number(client: CloudApiClient) -> None:
    number = client.get_phone_number(phone_number_id=PHONE2)

    assert (number.id, number.display_phone_number, number.verified_name) == (PHONE2, "15550783882", "Acme Two")
    assert number.status == "CONNECTED"


def test_it_requests_and_verifies_an_ownership_code(client: CloudApiClient) -> None:
    with pytest.raises(CloudApiError) as not_requested:
        client.verify_code(phone_number_id=PHONE, code="123456")

    assert client.request_code(phone_number_id=PHONE, code_method="SMS", language="en_US") is True
    with pytest.raises(CloudApiError) as wrong:
        client.verify_code(phone_number_id=PHONE, code="000000")
    assert client.verify_code(phone_number_id=PHONE, code="123456") is True

    for caught in (not_requested, wrong):
        assert_graph_error(caught.value, code=136025, http_status=400, retryable=False)
    assert client.get_phone_number(phone_number_id=PHONE).code_verification_status == "VERIFIED"
    with pytest.raises(CloudApiError) as bad_method:
        client.request_code(phone_number_id=PHONE, code_method="CARRIER_PIGEON", language="en_US")
    assert_graph_error(bad_method.value, code=100, http_status=400, retryable=False)


def test_it_deregisters_and_registers_a_number(client: CloudApiClient) -> None:
    assert client.deregister(phone_number_id=PHONE) is True
    assert client.get_phone_number(phone_number_id=PHONE).status == "DISCONNECTED"

    assert client.register(phone_number_id=PHONE, pin="654321") is True

    assert client.get_phone_number(phone_number_id=PHONE).status == "CONNECTED"
    with pytest.raises(CloudApiError) as bad_pin:
        client.register(phone_number_id=PHONE, pin="12")
    assert_graph_error(bad_pin.value, code=100, http_status=400, retryable=False, details="pin must be 6 digits")


def test_it_gets_133016_after_ten_deregistrations_in_72_hours(client: CloudApiClient) -> None:
    for _ in range(10):
        client.deregister(phone_number_id=PHONE2)
        client.register(phone_number_id=PHONE2, pin="123456")

    with pytest.raises(CloudApiError) as caught:
        client.deregister(phone_number_id=PHONE2)

    assert_graph_error(caught.value, code=133016, http_status=400, retryable=False)


# -- business profile -------------------------------------------------------------------------


def test_it_reads_the_default_business_profile(client: CloudApiClient) -> None:
    profile = client.get_business_profile(phone_number_id=PHONE)

    assert isinstance(profile, BusinessProfileInfo)
    assert profile.about == "Hey there! I am using WhatsApp."
    assert profile.vertical == "UNDEFINED"
    assert (profile.email, profile.websites, profile.profile_picture_url) == (None, (), None)


def test_it_updates_the_business_profile_and_reads_it_back(client: CloudApiClient) -> None:
    handle = client.upload_for_handle(app_id=APP, file_name="logo.jpg", data=JPEG, file_type="image/jpeg")

    assert client.update_business_profile(
        phone_number_id=PHONE, about="Fresh bread daily", address="1 Main St", description="A bakery.",
        email="hello@bakery.example", websites=["https://bakery.example/", "http://bakery.example/menu"],
        vertical="RESTAURANT", profile_picture_handle=handle) is True

    profile = client.get_business_profile(phone_number_id=PHONE)
    assert profile == BusinessProfileInfo(
        about="Fresh bread daily", address="1 Main St", description="A bakery.", email="hello@bakery.example",
        websites=("https://bakery.example/", "http://bakery.example/menu"), vertical="RESTAURANT",
        profile_picture_url=profile.profile_picture_url)
    assert profile.profile_picture_url and profile.profile_picture_url.startswith("http")
    # Only the given fields change; the other number's profile is its own.
    assert client.update_business_profile(phone_number_id=PHONE, about="Closed on Sundays") is True
    assert client.get_business_profile(phone_number_id=PHONE).address == "1 Main St"
    assert client.get_business_profile(phone_number_id=PHONE2).address is None


@pytest.mark.parametrize(
    ("changes", "details"),
    [
        pytest.param({"about": "x" * 140}, "about", id="about too long"),
        pytest.param({"email": "not-an-email"}, "email", id="email"),
        pytest.param({"websites": ["https://a.example", "https://b.example", "https://c.example"]}, "websites",
                     id="three websites"),
        pytest.param({"websites": ["ftp://a.example"]}, "websites", id="not http"),
        pytest.param({"vertical": "BUTTERFLIES"}, "vertical", id="vertical"),
        pytest.param({"profile_picture_handle": "4::bm90LWEtaGFuZGxl"}, "profile_picture_handle",
                     id="unknown handle"),
    ],
)
def test_it_gets_a_validation_error_for_a_bad_profile_update(client: CloudApiClient, changes: dict[str, Any],
                                                             details: str) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.update_business_profile(phone_number_id=PHONE, **changes)

    assert_graph_error(caught.value, code=100, http_status=400, retryable=False, details=details)
    assert client.get_business_profile(phone_number_id=PHONE).about == "Hey there! I am using WhatsApp."


# -- subscribed apps --------------------------------------------------------------------------


def test_it_subscribes_lists_and_unsubscribes_the_app(client: CloudApiClient) -> None:
    [app] = client.list_subscribed_apps(waba_id=WABA)
    assert isinstance(app, SubscribedApp)
    assert app.id == APP and app.name and app.link and app.override_callback_uri is None

    assert client.unsubscribe_app(waba_id=WABA) is True
    assert client.list_subscribed_apps(waba_id=WABA) == []

    assert client.subscribe_app(waba_id=WABA, override_callback_uri="https://hooks.example/wa",
                                verify_token="v-token") is True
    [app] = client.list_subscribed_apps(waba_id=WABA)
    assert (app.id, app.override_callback_uri) == (APP, "https://hooks.example/wa")

    assert client.subscribe_app(waba_id=WABA) is True
    assert [a.override_callback_uri for a in client.list_subscribed_apps(waba_id=WABA)] == [None]


def test_it_stops_webhooks_while_unsubscribed(sim_env: SimEnv, client: CloudApiClient) -> None:
    client.unsubscribe_app(waba_id=WABA)
    sim_env.customer_writes()

    assert sim_env.sim.take_webhooks() == []


def test_it_gets_an_error_for_a_non_https_override_callback(client: CloudApiClient) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.subscribe_app(waba_id=WABA, override_callback_uri="http://hooks.example/wa", verify_token="v")

    assert_graph_error(caught.value, code=100, http_status=400, retryable=False)
