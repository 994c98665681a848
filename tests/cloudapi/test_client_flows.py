"""Flows at the HTTP layer: list, create, JSON upload with validation errors, read, lifecycle,
and the business public key (docs/cloudapi.md §8)."""

import json

import pytest
from responses import matchers

from cloudapi.client import BusinessPublicKey, FlowPreview, FlowValidationError
from cloudapi.client.flows import FLOW_FIELDS

from ..conftest import fixture_bytes, load_fixture
from .conftest import multipart_fields

BASE = "https://graph.example"
WABA = "102290129340398"
PHONE = "106540352242922"
FLOW = "flow-1"
PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh+kiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----\n"
VALIDATION_ERROR = {
    "error": "INVALID_PROPERTY_VALUE",
    "error_type": "FLOW_JSON_ERROR",
    "message": "Invalid value found for property 'type'.",
    "line_start": 10,
    "line_end": 10,
    "column_start": 21,
    "column_end": 34,
    "pointers": [
        {
            "line_start": 10,
            "line_end": 10,
            "column_start": 21,
            "column_end": 34,
            "path": "screens[0].layout.children[0].type",
        }
    ],
}


def test_it_lists_the_flows_of_a_waba(client, graph):
    graph.get(
        f"{BASE}/v24.0/{WABA}/flows",
        json={
            "data": [
                {
                    "id": "11",
                    "name": "signup",
                    "status": "PUBLISHED",
                    "categories": ["SIGN_UP"],
                    "validation_errors": [],
                }
            ],
            "paging": {"cursors": {"before": "QVFIU", "after": "QVFIU"}},
        },
        match=[matchers.query_param_matcher({"fields": "id,name,categories,status,validation_errors"})],
    )

    flows = client.list_flows(waba_id=WABA)

    assert [(f.id, f.name, f.status, f.categories) for f in flows] == [("11", "signup", "PUBLISHED", ("SIGN_UP",))]


def test_it_creates_a_flow_and_returns_its_id(client, graph):
    graph.post(f"{BASE}/v24.0/{WABA}/flows", json={"id": "12"})

    flow_id = client.create_flow(
        waba_id=WABA, name="signup", categories=["SIGN_UP", "OTHER"], endpoint_uri="https://acme.example/flows"
    )

    assert flow_id == "12"
    assert json.loads(graph.calls[0].request.body) == {
        "name": "signup",
        "categories": ["SIGN_UP", "OTHER"],
        "endpoint_uri": "https://acme.example/flows",
    }


def test_it_clones_a_flow(client, graph):
    graph.post(f"{BASE}/v24.0/{WABA}/flows", json={"id": "13"})

    client.create_flow(waba_id=WABA, name="signup v2", categories=["SIGN_UP"], clone_flow_id="12")

    assert json.loads(graph.calls[0].request.body)["clone_flow_id"] == "12"


def test_it_uploads_flow_json_and_returns_metas_validation_errors(client, graph):
    graph.post(f"{BASE}/v24.0/{FLOW}/assets", json={"success": True, "validation_errors": [VALIDATION_ERROR]})
    flow_json = '{"version": "6.0",\n "screens": [{"id": "WELCOME", "layout": {"type": "Nope", "children": []}}]}'

    errors = client.upload_flow_json(flow_id=FLOW, flow_json=flow_json)

    assert errors == [
        FlowValidationError(
            error="INVALID_PROPERTY_VALUE",
            error_type="FLOW_JSON_ERROR",
            message="Invalid value found for property 'type'.",
            line_start=10,
            line_end=10,
            column_start=21,
            column_end=34,
            pointers=tuple(VALIDATION_ERROR["pointers"]),
        )
    ]
    fields = multipart_fields(graph.calls[0].request)
    assert fields["name"][2] == b"flow.json"
    assert fields["asset_type"][2] == b"FLOW_JSON"
    filename, content_type, content = fields["file"]
    assert (filename, content_type) == ("flow.json", "application/json")
    assert content == flow_json.encode()  # the user's text, so Meta's lines and columns point into it


def test_it_refuses_to_serialise_a_dict_itself(client, graph):
    with pytest.raises(TypeError):
        client.upload_flow_json(flow_id=FLOW, flow_json={"version": "6.0", "screens": []})

    assert len(graph.calls) == 0


def test_it_uploads_a_json_string_as_given(client, graph):
    graph.post(f"{BASE}/v24.0/{FLOW}/assets", json={"success": True, "validation_errors": []})
    text = '{\n\t"version" :"6.0",   "screens": [],\n  "note": "caf\u00e9 \\u00e9"}\n'

    assert client.upload_flow_json(flow_id=FLOW, flow_json=text) == []
    assert multipart_fields(graph.calls[0].request)["file"][2] == text.encode("utf-8")


def test_it_reads_a_flow_with_its_preview_and_health(client, graph):
    graph.get(
        f"{BASE}/v24.0/{FLOW}",
        body=fixture_bytes("flow_get_response.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"fields": ",".join(FLOW_FIELDS)})],
    )
    expected = load_fixture("flow_get_response.json")

    flow = client.get_flow(flow_id=FLOW)

    assert (flow.id, flow.name, flow.status, flow.categories) == ("flow-1", "my first flow", "DRAFT", ("OTHER",))
    assert flow.preview == FlowPreview(
        preview_url=expected["preview"]["preview_url"], expires_at="2023-05-21T11:18:09+0000"
    )
    assert (flow.json_version, flow.data_api_version, flow.endpoint_uri) == ("2.1", "3.0", "https://example.com")
    assert flow.validation_errors == ()
    assert flow.can_send_message == "BLOCKED"
    assert flow.health_status["entities"][1]["errors"][0]["error_code"] == 141006


def test_it_reads_a_flow_with_validation_errors_and_no_preview(client, graph):
    graph.get(f"{BASE}/v24.0/{FLOW}", json={"id": FLOW, "status": "DRAFT", "validation_errors": [VALIDATION_ERROR]})

    flow = client.get_flow(flow_id=FLOW, fields=["id", "status", "validation_errors"])

    assert flow.preview is None and flow.can_send_message is None
    assert flow.validation_errors[0].line_start == 10


@pytest.mark.parametrize(
    "call, method, path",
    [
        (lambda c: c.publish_flow(flow_id=FLOW), "POST", f"{FLOW}/publish"),
        (lambda c: c.deprecate_flow(flow_id=FLOW), "POST", f"{FLOW}/deprecate"),
        (lambda c: c.delete_flow(flow_id=FLOW), "DELETE", FLOW),
    ],
)
def test_it_moves_a_flow_through_its_lifecycle(client, graph, call, method, path):
    graph.add(method, f"{BASE}/v24.0/{path}", json={"success": True})

    assert call(client) is True
    assert graph.calls[0].request.headers["Authorization"] == "Bearer secret-token"


def test_it_sets_the_business_public_key_form_encoded(client, graph):
    graph.post(
        f"{BASE}/v24.0/{PHONE}/whatsapp_business_encryption",
        json={"success": True},
        match=[matchers.urlencoded_params_matcher({"business_public_key": PEM})],
    )

    assert client.set_business_public_key(phone_number_id=PHONE, pem=PEM) is True


@pytest.mark.parametrize(
    "answer",
    [
        {"business_public_key": PEM, "business_public_key_signature_status": "VALID"},
        {"data": [{"business_public_key": PEM, "business_public_key_signature_status": "VALID"}]},
    ],
    ids=["bare", "wrapped in data"],
)
def test_it_reads_the_business_public_key(client, graph, answer):
    graph.get(f"{BASE}/v24.0/{PHONE}/whatsapp_business_encryption", json=answer)

    key = client.get_business_public_key(phone_number_id=PHONE)

    assert key == BusinessPublicKey(business_public_key=PEM, signature_status="VALID")
