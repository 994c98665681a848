"""The client's administration calls at the HTTP layer (``responses``): request_code's ``language``, the
messaging limit fields by version, debug_token, the WABA's owner business, subscribed apps, and the
error classes a connection test explains."""

from __future__ import annotations

import pytest
from responses import matchers

from cloudapi.client import CloudApiClient, GranularScope, TokenInfo
from cloudapi.errors import AuthError, CloudApiError, PermissionDeniedError, ServerError

from .conftest import GRAPH_BASE, graph_error

PHONE = "106540352242922"
WABA = "102290129340398"
OTHER_WABA = "209000000000900"
APP = "300000000000001"
V24 = f"{GRAPH_BASE}/v24.0"


def _client(version: str = "v24.0") -> CloudApiClient:
    return CloudApiClient(access_token="secret-token", base_url=GRAPH_BASE, version=version)


def test_it_asks_for_the_code_in_a_language_not_a_locale(client, graph):
    graph.post(f"{V24}/{PHONE}/request_code", json={"success": True},
               match=[matchers.json_params_matcher({"code_method": "SMS", "language": "en_US"})])

    assert client.request_code(phone_number_id=PHONE, code_method="SMS", language="en_US") is True


def test_it_requests_the_portfolio_limit_from_v24_and_falls_back_to_the_old_field(graph):
    graph.get(f"{V24}/{PHONE}", json={"id": PHONE, "messaging_limit_tier": "TIER_250"})
    graph.get(f"{GRAPH_BASE}/v23.0/{PHONE}", json={"id": PHONE, "messaging_limit_tier": "TIER_10K"})
    graph.get(f"{V24}/{WABA}/phone_numbers", json={"data": [
        {"id": "1", "whatsapp_business_manager_messaging_limit": "TIER_2K", "messaging_limit_tier": "TIER_250"}]})

    new = _client().get_phone_number(phone_number_id=PHONE)
    old = _client("v23.0").get_phone_number(phone_number_id=PHONE)
    listed = _client().list_phone_numbers(waba_id=WABA)

    v24_fields, v23_fields = (call.request.params["fields"].split(",") for call in graph.calls[:2])
    assert "whatsapp_business_manager_messaging_limit" in v24_fields and "messaging_limit_tier" in v24_fields
    assert "whatsapp_business_manager_messaging_limit" not in v23_fields
    assert (new.messaging_limit_tier, old.messaging_limit_tier) == ("TIER_250", "TIER_10K")
    assert listed[0].messaging_limit_tier == "TIER_2K"  # the new field wins over the deprecated one


def test_it_debugs_a_token_with_the_app_token_as_bearer(client, graph):
    graph.get(f"{V24}/debug_token", json={"data": {
        "app_id": APP, "type": "SYSTEM_USER", "application": "Switchboard", "data_access_expires_at": 0,
        "expires_at": 1_760_000_000, "is_valid": True, "user_id": "1234",
        "scopes": ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"],
        "granular_scopes": [{"scope": "whatsapp_business_management", "target_ids": [WABA]},
                            {"scope": "whatsapp_business_messaging", "target_ids": [WABA]},
                            {"scope": "business_management"}]}},
              match=[matchers.query_param_matcher({"input_token": "secret-token"}),
                     matchers.header_matcher({"Authorization": f"Bearer {APP}|app-secret"})])

    info = client.debug_token(app_id=APP, app_secret="app-secret")

    assert (info.is_valid, info.app_id, info.type, info.expires_at, info.never_expires) == (
        True, APP, "SYSTEM_USER", 1_760_000_000, False)
    assert info.granular_scopes[0] == GranularScope(scope="whatsapp_business_management", target_ids=(WABA,))
    assert info.grants("whatsapp_business_management", WABA)
    assert not info.grants("whatsapp_business_management", OTHER_WABA)
    assert info.grants("business_management", OTHER_WABA)  # no target_ids: granted on everything
    assert not info.grants("whatsapp_business_payments")
    assert "app-secret" not in graph.calls[0].request.url


def test_it_reads_an_expired_or_unknown_token_from_debug_token(client, graph):
    expired = {"data": {"app_id": APP, "is_valid": False, "expires_at": 1_700_000_000, "scopes": ["x"],
                        "error": {"code": 190, "message": "Session has expired", "subcode": 463}}}
    unknown = {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."}, "is_valid": False,
                        "scopes": []}}
    graph.get(f"{V24}/debug_token", json=expired)
    graph.get(f"{V24}/debug_token", json=unknown)

    old = client.debug_token(app_id=APP, app_secret="s", input_token="old")
    bad = client.debug_token(app_id=APP, app_secret="s", input_token="bad")

    assert (old.is_valid, old.expired, old.error_subcode, old.grants("x")) == (False, True, 463, False)
    assert bad == TokenInfo(is_valid=False, error_code=190, error_message="Invalid OAuth access token.")
    assert not bad.expired


@pytest.mark.parametrize("answer", [{}, {"data": []}, {"data": {"scopes": []}}])
def test_it_refuses_a_malformed_debug_token_answer(client, graph, answer):
    graph.get(f"{V24}/debug_token", json=answer)

    with pytest.raises(ServerError):
        client.debug_token(app_id=APP, app_secret="s")


def test_it_needs_the_app_credentials_for_debug_token(client):
    with pytest.raises(ValueError):
        client.debug_token(app_id=APP, app_secret="")


def test_it_reads_the_business_portfolio_owning_the_waba(client, graph):
    graph.get(f"{V24}/{WABA}", json={"id": WABA, "name": "Acme", "timezone_id": "1",
                                     "message_template_namespace": "ns",
                                     "owner_business_info": {"name": "Acme Holdings", "id": "555000111"}},
              match=[matchers.query_param_matcher(
                  {"fields": "id,name,timezone_id,message_template_namespace,owner_business_info"})])

    waba = client.get_business_account(waba_id=WABA)

    assert (waba.id, waba.name, waba.owner_business_id, waba.owner_business_name) == (
        WABA, "Acme", "555000111", "Acme Holdings")


def test_it_subscribes_with_an_override_and_lists_it(client, graph):
    graph.post(f"{V24}/{WABA}/subscribed_apps", json={"success": True},
               match=[matchers.json_params_matcher({"override_callback_uri": "https://h.example/",
                                                    "verify_token": "vt"})])
    graph.get(f"{V24}/{WABA}/subscribed_apps", json={"data": [
        {"whatsapp_business_api_data": {"id": APP, "name": "Switchboard", "link": "https://l.example"},
         "override_callback_uri": "https://h.example/"}]})
    graph.delete(f"{V24}/{WABA}/subscribed_apps", json={"success": True})

    assert client.subscribe_app(waba_id=WABA, override_callback_uri="https://h.example/", verify_token="vt")
    apps = client.list_subscribed_apps(waba_id=WABA)
    assert client.unsubscribe_app(waba_id=WABA) is True

    assert [(a.id, a.name, a.override_callback_uri) for a in apps] == [(APP, "Switchboard", "https://h.example/")]
    with pytest.raises(ValueError):
        client.subscribe_app(waba_id=WABA, override_callback_uri="https://h.example/")


@pytest.mark.parametrize(
    "code, subcode, status, error_class, expired, missing",
    [
        (190, 463, 401, AuthError, True, False),
        (190, None, 401, AuthError, False, False),
        (10, None, 403, PermissionDeniedError, False, False),
        (200, None, 403, PermissionDeniedError, False, False),
        (100, 33, 400, CloudApiError, False, True),
        (133016, None, 400, CloudApiError, False, False),
        (136025, None, 400, CloudApiError, False, False),
    ],
)
def test_it_classifies_the_errors_a_connection_test_explains(client, graph, code, subcode, status, error_class,
                                                             expired, missing):
    graph.get(f"{V24}/{WABA}/phone_numbers", json=graph_error(code, subcode=subcode), status=status)

    with pytest.raises(CloudApiError) as caught:
        client.list_phone_numbers(waba_id=WABA)

    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.error_subcode, error.http_status) == (code, subcode, status)
    assert (error.token_expired, error.object_missing, error.permanent) == (expired, missing, True)


def test_it_sends_no_token_or_secret_in_what_it_logs(client, graph, caplog):
    graph.get(f"{V24}/debug_token", json=graph_error(190), status=401)

    with pytest.raises(AuthError):
        client.debug_token(app_id=APP, app_secret="app-secret")

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "debug_token" in logged and "app-secret" not in logged and "secret-token" not in logged
