"""The simulator's WhatsApp Flows management: create, upload the Flow JSON, read with preview,
publish, deprecate, delete, and the ``flows`` status-change webhook."""

from __future__ import annotations

import json
from typing import Any

import requests

from cloudapi.simulator import Simulator

from .simulator_http import (
    WABA_ID,
    Api,
    assert_error,
    assert_shape,
    fixture,
    verify,
    webhook_values,
)

FLOW_JSON = {"version": "6.0", "data_api_version": "3.0", "screens": [
    {"id": "WELCOME", "title": "Welcome", "terminal": True, "layout": {"type": "SingleColumnLayout", "children": []}}]}
ALL_FIELDS = ("id,name,categories,preview,status,validation_errors,json_version,data_api_version,data_channel_uri,"
              "health_status,whatsapp_business_account,application")


def create_flow(api: Api, name: str = "Flow Webhook 3", **extra: Any) -> requests.Response:
    return api.post(f"/{WABA_ID}/flows", json={"name": name, "categories": ["OTHER"], **extra})


def upload_json(api: Api, flow_id: str, document: Any = FLOW_JSON, *,
                asset_type: str = "FLOW_JSON") -> requests.Response:
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return api.post(f"/{flow_id}/assets", data={"name": "flow.json", "asset_type": asset_type},
                    files={"file": ("flow.json", raw, "application/json")})


def test_it_creates_a_flow_and_refuses_a_second_of_the_same_name(api: Api) -> None:
    created = create_flow(api)
    again = create_flow(api)
    bad_category = api.post(f"/{WABA_ID}/flows", data={"name": "x", "categories": '["PIZZA"]'})
    form = api.post(f"/{WABA_ID}/flows", data={"name": "by form", "categories": '["SURVEY"]'})

    assert created.status_code == 200 and created.json()["id"].isdigit()
    assert_error(again, 400, 100, details="unique")
    assert_error(bad_category, 400, 100, details="categories")
    assert form.status_code == 200


def test_it_reports_validation_errors_of_the_flow_json(api: Api) -> None:
    flow_id = create_flow(api).json()["id"]

    not_json = upload_json(api, flow_id, b"{not json")
    no_screens = upload_json(api, flow_id, {"version": "6.0"})
    good = upload_json(api, flow_id)

    [error] = not_json.json()["validation_errors"]
    assert (not_json.status_code, not_json.json()["success"], error["error"]) == (200, True, "INVALID_JSON")
    assert {"error", "error_type", "message", "line_start", "line_end", "column_start", "column_end"} <= set(error)
    assert "screens" in no_screens.json()["validation_errors"][0]["message"]
    assert good.json() == {"success": True, "validation_errors": []}
    assert_error(upload_json(api, flow_id, asset_type="IMAGE"), 400, 100, details="asset_type")


def test_it_reads_a_flow_with_every_field_shaped_like_metas(api: Api) -> None:
    flow_id = create_flow(api, endpoint_uri="https://example.com/flows").json()["id"]
    upload_json(api, flow_id)

    flow = api.get(f"/{flow_id}", params={"fields": ALL_FIELDS}).json()
    default = api.get(f"/{flow_id}").json()
    renewed = api.get(f"/{flow_id}", params={"fields": "preview.invalidate(true)"}).json()

    reference = fixture("flow_get_response.json")
    # health_status entities differ per account (errors only where something is blocked).
    assert_shape({**flow, "health_status": None}, {**reference, "health_status": None})
    assert {"can_send_message", "entities"} == set(flow["health_status"])
    assert (flow["status"], flow["json_version"], flow["data_channel_uri"]) == ("DRAFT", "6.0",
                                                                                "https://example.com/flows")
    assert set(default) == {"id", "name", "status", "categories", "validation_errors"}
    assert renewed["preview"]["preview_url"] != flow["preview"]["preview_url"]
    page = requests.get(renewed["preview"]["preview_url"], timeout=5)
    assert page.status_code == 200 and "WELCOME" in page.text
    assert requests.get(flow["preview"]["preview_url"], timeout=5).status_code == 404


def test_it_publishes_and_deprecates_with_metas_webhooks(api: Api, sim: Simulator) -> None:
    flow_id = create_flow(api).json()["id"]
    without_json = api.post(f"/{flow_id}/publish")
    upload_json(api, flow_id, {"version": "6.0"})
    invalid = api.post(f"/{flow_id}/publish")
    upload_json(api, flow_id)

    published = api.post(f"/{flow_id}/publish")
    update = upload_json(api, flow_id)
    delete = api.delete(f"/{flow_id}")
    deprecated = api.post(f"/{flow_id}/deprecate")

    assert_error(without_json, 400, 100, details="no Flow JSON")
    assert_error(invalid, 400, 100, details="validation errors")
    assert published.json() == deprecated.json() == {"success": True}
    assert_error(update, 400, 100, details="only DRAFT")
    assert_error(delete, 400, 100, details="only DRAFT")
    assert_error(api.post(f"/{flow_id}/publish"), 400, 100)
    [(created_body, _), (first_body, first_headers), (second_body, _)] = sim.take_webhooks()
    assert json.loads(created_body)["entry"][0]["changes"][0]["value"] == {
        "event": "FLOW_STATUS_CHANGE", "message": "Flow Flow Webhook 3 has been created with status DRAFT",
        "flow_id": flow_id, "new_status": "DRAFT"}
    payload = verify(first_body, first_headers)
    assert_shape(payload, fixture("webhook_flows_status_change_published.json"))
    assert payload["entry"][0]["changes"][0]["value"] == {
        "event": "FLOW_STATUS_CHANGE", "message": "Flow Flow Webhook 3 changed status from DRAFT to PUBLISHED",
        "flow_id": flow_id, "old_status": "DRAFT", "new_status": "PUBLISHED"}
    assert json.loads(second_body)["entry"][0]["changes"][0]["value"]["new_status"] == "DEPRECATED"


def test_it_deletes_drafts_lists_and_renames_flows(api: Api) -> None:
    keep = create_flow(api, "keep").json()["id"]
    drop = create_flow(api, "drop").json()["id"]

    deleted = api.delete(f"/{drop}")
    renamed = api.post(f"/{keep}", json={"name": "kept", "categories": ["SURVEY"]})
    listed = api.get(f"/{WABA_ID}/flows").json()

    assert deleted.json() == renamed.json() == {"success": True}
    assert [(f["name"], f["categories"]) for f in listed["data"]] == [("kept", ["SURVEY"])]
    assert_error(api.get(f"/{drop}"), 400, 100, subcode=33)


def test_it_throttles_and_blocks_flows_on_command(api: Api, sim: Simulator, server: str) -> None:
    flow_id = create_flow(api).json()["id"]
    upload_json(api, flow_id)
    api.post(f"/{flow_id}/publish")
    send = {"messaging_product": "whatsapp", "to": "16505551234", "type": "interactive", "interactive": {
        "type": "flow", "body": {"text": "Go"}, "action": {"name": "flow", "parameters": {
            "flow_message_version": "3", "flow_token": "t-1", "flow_id": flow_id, "flow_cta": "Open"}}}}

    throttled = requests.post(f"{server}/_sim/flows/{flow_id}/status", json={"status": "THROTTLED"}, timeout=5)
    codes = [api.send(send).status_code for _ in range(10)]
    over = api.send(send)
    sim.set_flow_status(flow_id, "BLOCKED")

    assert throttled.json()["status"] == "THROTTLED"
    assert codes == [200] * 10
    assert_error(over, 400, 132069)
    assert_error(api.send(send), 400, 132068)
    assert [v["new_status"] for v in webhook_values(sim.take_webhooks(), "flows")] == [
        "DRAFT", "PUBLISHED", "THROTTLED", "BLOCKED"]
    assert requests.post(f"{server}/_sim/flows/{flow_id}/status", json={"status": "MELTED"}, timeout=5
                         ).status_code == 400


UNKNOWN_COMPONENT = """{
  "version": "7.3",
  "screens": [
    {
      "id": "WELCOME",
      "title": "Welcome",
      "terminal": true,
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {"type": "TextSubheadline", "text": "Hi"}
        ]
      }
    }
  ]
}"""


def test_it_refuses_an_unknown_component_type_at_its_line_and_column(api: Api) -> None:
    flow_id = create_flow(api).json()["id"]

    [error] = upload_json(api, flow_id, UNKNOWN_COMPONENT.encode()).json()["validation_errors"]

    # Line 11 is `          {"type": "TextSubheadline", "text": "Hi"}`: the value starts at column 20.
    line = UNKNOWN_COMPONENT.splitlines()[10]
    start = line.index('"TextSubheadline"') + 1
    assert (error["error"], error["error_type"]) == ("INVALID_PROPERTY_VALUE", "FLOW_JSON_ERROR")
    assert error["message"] == "Invalid value found for property 'type'."
    assert (error["line_start"], error["column_start"], error["line_end"], error["column_end"]) == (
        11, start, 11, start + len('"TextSubheadline"') - 1)
    assert error["pointers"][0]["path"] == "screens[0].layout.children[0].type"
    assert_error(api.post(f"/{flow_id}/publish"), 400, 100, details="validation errors")


def test_it_places_syntax_and_schema_errors_where_they_are(api: Api) -> None:
    flow_id = create_flow(api).json()["id"]
    syntax = '{\n  "version": "7.3",\n  "screens": [\n    {"id": "A",}\n  ]\n}'
    schema = '{"version": "9.9",\n "screens": [{"id": "A", "layout": {"type": "SingleColumnLayout"}},\n' \
             '             {"id": "A", "layout": {"type": "SingleColumnLayout", "children": []}}]}'

    [syntax_error] = upload_json(api, flow_id, syntax.encode()).json()["validation_errors"]
    schema_errors = upload_json(api, flow_id, schema.encode()).json()["validation_errors"]

    assert (syntax_error["error"], syntax_error["line_start"], syntax_error["column_start"]) == ("INVALID_JSON", 4, 16)
    assert [(e["error"], e["line_start"], e["pointers"][0]["path"]) for e in schema_errors] == [
        ("INVALID_PROPERTY_VALUE", 1, "version"),
        ("MISSING_REQUIRED_PROPERTY", 2, "screens[0].layout.children"),
        ("INVALID_PROPERTY_VALUE", 3, "screens[1].id"),
    ]


def test_it_names_a_components_missing_property_at_the_component(api: Api) -> None:
    flow_id = create_flow(api).json()["id"]
    text = ('{"version": "7.3", "screens": [{"id": "A", "terminal": true, "layout": {"type": "SingleColumnLayout",\n'
            '  "children": [{"type": "Footer", "label": "Done"}]}}]}')

    [error] = upload_json(api, flow_id, text.encode()).json()["validation_errors"]

    assert (error["error"], error["message"]) == ("MISSING_REQUIRED_PROPERTY", "The property 'on-click-action' is required.")
    assert (error["line_start"], error["column_start"]) == (2, text.splitlines()[1].index("{") + 1)
    assert error["pointers"][0]["path"] == "screens[0].layout.children[0].on-click-action"
