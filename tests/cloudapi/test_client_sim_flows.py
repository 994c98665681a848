"""WhatsApp Flows and the business public key through the client against a running simulator: create →
upload JSON (valid and invalid) → get (preview, validation errors, health) → publish → deprecate, and delete."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cloudapi.client import BusinessPublicKey, CloudApiClient, FlowInfo, FlowPreview, FlowValidationError
from cloudapi.errors import CloudApiError

from .sim_env import (
    PHONE,
    PHONE2,
    WABA,
    SimEnv,
    assert_graph_error,
    unique,
    webhook_values,
)

pytestmark = pytest.mark.against_simulator

VALID_FLOW = json.dumps({"version": "6.0", "data_api_version": "3.0", "screens": [
    {"id": "WELCOME", "title": "Hi", "terminal": True, "layout": {"type": "SingleColumnLayout", "children": [
        {"type": "Footer", "label": "Done", "on-click-action": {"name": "complete", "payload": {}}}]}}]})


def pem(key: Any) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def rsa_pem() -> str:
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def new_flow(client: CloudApiClient, *, categories: tuple[str, ...] = ("SIGN_UP",), **kwargs: Any) -> str:
    return client.create_flow(waba_id=WABA, name=unique("Flow"), categories=list(categories), **kwargs)


def test_it_creates_a_flow_uploads_valid_json_and_reads_it(client: CloudApiClient) -> None:
    flow_id = new_flow(client, categories=("SIGN_UP", "OTHER"), endpoint_uri="https://flows.example/data")

    errors = client.upload_flow_json(flow_id=flow_id, flow_json=VALID_FLOW)
    flow = client.get_flow(flow_id=flow_id)

    assert flow_id.isdigit()
    assert errors == []
    assert isinstance(flow, FlowInfo)
    assert flow.id == flow_id and flow.name and flow.name.startswith("Flow_")
    assert flow.status == "DRAFT"
    assert flow.categories == ("SIGN_UP", "OTHER")
    assert flow.validation_errors == ()
    assert (flow.json_version, flow.data_api_version) == ("6.0", "3.0")
    assert flow.endpoint_uri == "https://flows.example/data"
    assert isinstance(flow.preview, FlowPreview)
    assert flow.preview.preview_url.startswith("http") and flow.preview.expires_at
    assert flow.can_send_message == "AVAILABLE"
    assert flow.health_status and flow.health_status["entities"]


def test_it_uploads_flow_json_given_as_text(client: CloudApiClient) -> None:
    flow_id = new_flow(client)

    assert client.upload_flow_json(flow_id=flow_id, flow_json=VALID_FLOW) == []


@pytest.mark.parametrize(
    ("flow_json", "error", "line"),
    [
        pytest.param('{\n  "version": "6.0",\n  "screens": [\n}', "INVALID_JSON", 4, id="not JSON"),
        pytest.param('{"version": "6.0"}', "MISSING_REQUIRED_PROPERTY", 1, id="no screens"),
        pytest.param('{"version": "6.0",\n "screens": [{"id": "A", "layout": {"type": "SingleColumnLayout",\n'
                     ' "children": [{"type": "Carousel"}]}}]}', "INVALID_PROPERTY_VALUE", 3,
                     id="unknown component type"),
    ],
)
def test_it_returns_validation_errors_for_invalid_flow_json_and_refuses_to_publish(
    client: CloudApiClient, flow_json: Any, error: str, line: int
) -> None:
    flow_id = new_flow(client)

    errors = client.upload_flow_json(flow_id=flow_id, flow_json=flow_json)

    assert errors and all(isinstance(e, FlowValidationError) for e in errors)
    assert errors[0].error == error
    assert errors[0].error_type and errors[0].message
    assert errors[0].line_start == line and errors[0].column_start is not None
    assert client.get_flow(flow_id=flow_id).validation_errors == tuple(errors)
    with pytest.raises(CloudApiError) as caught:
        client.publish_flow(flow_id=flow_id)
    assert_graph_error(caught.value, code=100, http_status=400, retryable=False, details="validation errors")


def test_it_publishes_and_deprecates_a_flow_with_its_webhooks(sim_env: SimEnv, client: CloudApiClient) -> None:
    flow_id = new_flow(client)
    client.upload_flow_json(flow_id=flow_id, flow_json=VALID_FLOW)

    assert client.publish_flow(flow_id=flow_id) is True
    assert client.get_flow(flow_id=flow_id).status == "PUBLISHED"
    assert client.deprecate_flow(flow_id=flow_id) is True

    flow = client.get_flow(flow_id=flow_id)
    assert flow.status == "DEPRECATED"
    assert flow.can_send_message == "BLOCKED"
    changes = [(v["flow_id"], v.get("old_status"), v["new_status"]) for v in webhook_values(sim_env.sim, "flows")]
    assert changes == [(flow_id, None, "DRAFT"), (flow_id, "DRAFT", "PUBLISHED"), (flow_id, "PUBLISHED", "DEPRECATED")]


def test_it_gets_errors_for_lifecycle_steps_the_status_does_not_allow(client: CloudApiClient) -> None:
    empty = new_flow(client)
    published = new_flow(client)
    client.upload_flow_json(flow_id=published, flow_json=VALID_FLOW)
    client.publish_flow(flow_id=published)

    calls = [
        lambda: client.publish_flow(flow_id=empty),  # no Flow JSON yet
        lambda: client.deprecate_flow(flow_id=empty),  # a draft
        lambda: client.delete_flow(flow_id=published),  # only drafts are deleted
        lambda: client.upload_flow_json(flow_id=published, flow_json=VALID_FLOW),  # published JSON is fixed
        lambda: client.publish_flow(flow_id=published),
    ]
    for call in calls:
        with pytest.raises(CloudApiError) as caught:
            call()
        assert_graph_error(caught.value, code=100, http_status=400, retryable=False)


def test_it_deletes_a_draft_flow(client: CloudApiClient) -> None:
    flow_id = new_flow(client)

    assert client.delete_flow(flow_id=flow_id) is True

    with pytest.raises(CloudApiError) as caught:
        client.get_flow(flow_id=flow_id)
    assert_graph_error(caught.value, code=100, subcode=33, http_status=400, retryable=False)
    assert flow_id not in {f.id for f in client.list_flows(waba_id=WABA)}


def test_it_lists_the_wabas_flows(client: CloudApiClient) -> None:
    first = new_flow(client)
    second = new_flow(client, categories=("SURVEY",))
    client.upload_flow_json(flow_id=second, flow_json='{"version": "6.0"}')

    flows = {f.id: f for f in client.list_flows(waba_id=WABA)}

    assert set(flows) == {first, second}
    assert flows[second].categories == ("SURVEY",) and flows[second].status == "DRAFT"
    assert [e.error for e in flows[second].validation_errors] == ["MISSING_REQUIRED_PROPERTY"]
    assert flows[first].preview is None  # not among the list's fields


def test_it_clones_a_flow_with_its_json(client: CloudApiClient) -> None:
    source = new_flow(client)
    client.upload_flow_json(flow_id=source, flow_json=VALID_FLOW)

    clone = new_flow(client, clone_flow_id=source)

    assert clone != source
    assert client.get_flow(flow_id=clone).json_version == "6.0"
    assert client.publish_flow(flow_id=clone) is True


def test_it_gets_errors_for_duplicate_names_and_unknown_categories(client: CloudApiClient) -> None:
    name = unique("Unique")
    client.create_flow(waba_id=WABA, name=name, categories=["OTHER"])

    with pytest.raises(CloudApiError) as duplicate:
        client.create_flow(waba_id=WABA, name=name, categories=["OTHER"])
    with pytest.raises(CloudApiError) as category:
        client.create_flow(waba_id=WABA, name=unique("Cat"), categories=["BUTTERFLIES"])

    assert_graph_error(duplicate.value, code=100, http_status=400, retryable=False, details="unique")
    assert_graph_error(category.value, code=100, http_status=400, retryable=False, details="categories")


# -- business public key ----------------------------------------------------------------------


def test_it_sets_and_reads_the_business_public_key(client: CloudApiClient, rsa_pem: str) -> None:
    assert client.get_business_public_key(phone_number_id=PHONE) == BusinessPublicKey()

    assert client.set_business_public_key(phone_number_id=PHONE, pem=rsa_pem) is True

    key = client.get_business_public_key(phone_number_id=PHONE)
    assert key == BusinessPublicKey(business_public_key=rsa_pem, signature_status="VALID")
    assert client.get_business_public_key(phone_number_id=PHONE2) == BusinessPublicKey()


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("not a key", id="not PEM"),
        pytest.param(pem(ec.generate_private_key(ec.SECP256R1())), id="not RSA"),
    ],
)
def test_it_gets_an_error_for_a_key_that_is_not_an_rsa_pem(client: CloudApiClient, bad: str) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.set_business_public_key(phone_number_id=PHONE, pem=bad)

    assert_graph_error(caught.value, code=100, http_status=400, retryable=False, details="RSA public key")


def test_it_renames_a_flow_and_renews_its_preview_link(client: CloudApiClient) -> None:
    flow_id = new_flow(client)
    name = unique("Renamed")

    assert client.update_flow(flow_id=flow_id, name=name, categories=["SURVEY"], endpoint_uri="") is True
    first = client.get_flow_preview(flow_id=flow_id)
    same = client.get_flow_preview(flow_id=flow_id)
    renewed = client.get_flow_preview(flow_id=flow_id, invalidate=True)

    flow = client.get_flow(flow_id=flow_id)
    assert (flow.name, flow.categories, flow.endpoint_uri) == (name, ("SURVEY",), None)
    assert first.preview and first.preview == same.preview
    assert renewed.preview and renewed.preview.preview_url != first.preview.preview_url


def test_it_reads_the_health_of_a_flow_for_a_sending_number(sim_env: SimEnv, client: CloudApiClient) -> None:
    flow_id = new_flow(client)
    client.upload_flow_json(flow_id=flow_id, flow_json=VALID_FLOW)
    client.publish_flow(flow_id=flow_id)
    sim_env.sim.set_flow_status(flow_id, "BLOCKED")

    health = client.get_flow_health(flow_id=flow_id, phone_number_id=PHONE)

    assert health.can_send_message == "BLOCKED"
    entities = {e["entity_type"]: e for e in health.health_status["entities"]}
    assert set(entities) == {"FLOW", "WABA", "BUSINESS", "APP"}
    assert entities["FLOW"]["errors"][0]["error_code"] == 132068
    assert entities["FLOW"]["errors"][0]["possible_solution"]
    assert entities["WABA"]["can_send_message"] == "AVAILABLE"
    with pytest.raises(CloudApiError):
        client.get_flow_health(flow_id=flow_id, phone_number_id="999999999999999")
