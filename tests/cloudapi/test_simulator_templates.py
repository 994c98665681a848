"""The simulator's template management: list, get, create, edit, delete, review and the commands
that pause, disable, re-rate and re-categorise templates — each change sent as Meta's webhook."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
import requests

from cloudapi.simulator import Simulator, serve

from .simulator_http import (
    WABA_ID,
    Api,
    FakeClock,
    assert_error,
    assert_shape,
    fixture,
    make_sim,
    verify,
    webhook_values,
)

TEMPLATES = f"/{WABA_ID}/message_templates"
STATUS = "message_template_status_update"


@pytest.fixture
def sim() -> Iterator[Simulator]:  # noqa: F811 - reviews happen at once here
    simulator = make_sim(template_review_delay=0)
    yield simulator
    simulator.close()


def definition(name: str = "order_ready", **changes: Any) -> dict[str, Any]:
    body = {"name": name, "language": "en_US", "category": "UTILITY", "components": [
        {"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Pablo", "#42"]]}}]}
    body.update(changes)
    return body


def create(api: Api, body: dict[str, Any] | None = None) -> requests.Response:
    return api.post(TEMPLATES, json=body or definition())


# -- create, review ------------------------------------------------------------------------


def test_it_creates_metas_sample_template_pending_then_approves_it_with_a_webhook(api: Api, sim: Simulator) -> None:
    response = create(api, fixture("template_create_request.json"))

    assert response.status_code == 200
    body = response.json()
    assert_shape(body, fixture("template_create_response.json"))
    assert (body["status"], body["category"]) == ("PENDING", "MARKETING")
    [(raw, headers)] = sim.take_webhooks()
    payload = verify(raw, headers)
    assert_shape(payload, fixture("webhook_template_status_approved.json"))
    value = payload["entry"][0]["changes"][0]["value"]
    assert value == {"event": "APPROVED", "message_template_id": int(body["id"]),
                     "message_template_name": "seasonal_promotion_text_only", "message_template_language": "en",
                     "reason": "NONE", "message_template_category": "MARKETING"}
    assert api.get(f"/{body['id']}").json()["status"] == "APPROVED"


def test_it_rejects_templates_named_reject_with_a_reason_and_rejection_info(api: Api, sim: Simulator) -> None:
    template_id = create(api, definition("please_reject_me")).json()["id"]

    [value] = webhook_values(sim.take_webhooks(), STATUS)

    assert (value["event"], value["reason"]) == ("REJECTED", "INVALID_FORMAT")
    assert value["rejection_info"]["reason"] == "INVALID_FORMAT"
    fetched = api.get(f"/{template_id}", params={"fields": "status,rejected_reason"}).json()
    assert fetched == {"status": "REJECTED", "rejected_reason": "INVALID_FORMAT", "id": template_id}


def test_it_keeps_a_template_pending_until_the_review_delay_has_passed() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, template_review_delay=5)
    running = serve(simulator)
    try:
        api = Api(running.url)
        template_id = create(api).json()["id"]
        assert api.get(f"/{template_id}").json()["status"] == "PENDING"
        assert webhook_values(simulator.take_webhooks(), STATUS) == []

        clock.advance(5)

        assert api.get(f"/{template_id}").json()["status"] == "APPROVED"
        assert [v["event"] for v in webhook_values(simulator.take_webhooks(), STATUS)] == ["APPROVED"]
    finally:
        running.shutdown()
        simulator.close()


def test_it_leaves_review_to_commands_in_manual_mode(server: str) -> None:
    simulator = make_sim(template_review_outcome="manual")
    running = serve(simulator)
    try:
        api = Api(running.url)
        first, second = create(api).json()["id"], create(api, definition("second_one")).json()["id"]

        approved = requests.post(f"{running.url}/_sim/templates/{first}/approve", timeout=5)
        rejected = requests.post(f"{running.url}/_sim/templates/{second}/reject", json={"reason": "PROMOTIONAL"},
                                 timeout=5)
        again = requests.post(f"{running.url}/_sim/templates/{first}/approve", timeout=5)

        assert approved.json()["status"] == "APPROVED"
        assert (rejected.json()["status"], rejected.json()["rejected_reason"]) == ("REJECTED", "PROMOTIONAL")
        assert again.status_code == 400
        values = webhook_values(simulator.take_webhooks(), STATUS)
        assert [(v["event"], v["reason"]) for v in values] == [("APPROVED", "NONE"), ("REJECTED", "PROMOTIONAL")]
    finally:
        running.shutdown()
        simulator.close()


def button(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "text": f"{kind.title()} label", **fields}


def with_components(*components: dict[str, Any]) -> dict[str, Any]:
    return definition(components=list(components))


BODY = {"type": "BODY", "text": "Your order is ready."}


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (definition("Order_Ready"), "name must be"),
        (definition("x" * 513), "name must be"),
        (definition(category="PROMO"), "category must be"),
        (definition(language="english"), "language must be"),
        (with_components({"type": "FOOTER", "text": "Bye"}), "BODY component is required"),
        (with_components({"type": "BODY", "text": "x" * 1025}), "max 1024"),
        (with_components({"type": "HEADER", "format": "TEXT", "text": "x" * 61}, BODY), "max 60"),
        (with_components({"type": "HEADER", "format": "TEXT", "text": "{{1}} and {{2}}",
                          "example": {"header_text": ["a", "b"]}}, BODY), "at most 1 parameter"),
        (with_components(BODY, {"type": "FOOTER", "text": "x" * 61}), "max 60"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [button("QUICK_REPLY")] * 11}), "11 buttons, max 10"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [
            button("URL", url="https://a.example"), button("URL", url="https://b.example"),
            button("URL", url="https://c.example")]}), "at most 2 URL buttons"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [
            button("PHONE_NUMBER", phone_number="+1555"), button("PHONE_NUMBER", phone_number="+1556")]}),
         "at most 1 PHONE_NUMBER"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [
            button("QUICK_REPLY"), button("URL", url="https://a.example"), button("QUICK_REPLY")]}), "grouped"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "x" * 26}]}),
         "max 25"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [
            button("URL", url="https://a.example/{{1}}")]}), "['example'] is required"),
        (with_components(BODY, {"type": "BUTTONS", "buttons": [
            {"type": "COPY_CODE", "example": "x" * 16}]}), "at most 15"),
        (with_components({"type": "BODY", "text": "Hi {{1}}, ready."}), "one example for each"),
        (with_components({"type": "BODY", "text": "Hi {{1}} and {{3}} now.",
                          "example": {"body_text": [["a", "b"]]}}), "without gaps"),
        (with_components({"type": "BODY", "text": "{{1}} is ready.", "example": {"body_text": [["a"]]}}),
         "start or end"),
        (with_components({"type": "HEADER", "format": "IMAGE"}, BODY), "header_handle"),
        (with_components({"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::forged"]}}, BODY),
         "unknown upload handle"),
        (definition(parameter_format="NAMED", components=[{"type": "BODY", "text": "Hi {{name}}, ready."}]),
         "no example for name"),
    ],
)
def test_it_rejects_templates_breaking_metas_rules_with_100(api: Api, body: dict[str, Any], details: str) -> None:
    assert_error(create(api, body), 400, 100, details=details)


def test_it_accepts_named_parameters_with_examples_and_sends_them_by_name(api: Api, sim: Simulator) -> None:
    body = definition("named_one", parameter_format="NAMED", components=[
        {"type": "BODY", "text": "Hi {{first_name}}, order {{order_id}} is ready.", "example": {
            "body_text_named_params": [{"param_name": "first_name", "example": "Pablo"},
                                       {"param_name": "order_id", "example": "#42"}]}}])
    assert create(api, body).status_code == 200
    send = {"messaging_product": "whatsapp", "to": "16505551234", "type": "template", "template": {
        "name": "named_one", "language": {"code": "en_US"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "parameter_name": "order_id", "text": "#7"},
            {"type": "text", "parameter_name": "first_name", "text": "Ana"}]}]}}

    assert api.send(send).status_code == 200
    send["template"]["components"][0]["parameters"][0]["parameter_name"] = "order"
    assert_error(api.send(send), 400, 132000, details="parameter names")


def test_it_refuses_a_second_template_with_the_same_name_and_language(api: Api) -> None:
    create(api)

    duplicate = create(api)
    other_language = create(api, definition(language="pt_BR"))

    error = assert_error(duplicate, 400, 100, subcode=2388024)
    assert error["error_user_title"] == "Content in This Language Already Exists"
    assert other_language.status_code == 200


def test_it_limits_creations_per_hour_with_80007() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, template_create_limit=2, template_review_delay=0)
    running = serve(simulator)
    try:
        api = Api(running.url)
        codes = [create(api, definition(f"t_{i}")).status_code for i in range(2)]
        assert_error(create(api, definition("t_2")), 400, 80007)
        clock.advance(3601)
        assert codes == [200, 200]
        assert create(api, definition("t_2")).status_code == 200
    finally:
        running.shutdown()
        simulator.close()


def test_it_limits_management_calls_per_waba_per_hour_with_80007() -> None:
    simulator = make_sim(management_rate_limit=3)
    running = serve(simulator)
    try:
        api = Api(running.url)
        codes = [api.get(TEMPLATES).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        assert_error(api.get(TEMPLATES), 400, 80007)
        assert_error(api.get(f"/{WABA_ID}/phone_numbers"), 400, 80007)
    finally:
        running.shutdown()
        simulator.close()


# -- read -------------------------------------------------------------------------------------


def test_it_lists_templates_shaped_like_metas_list(api: Api, sim: Simulator) -> None:
    [hello] = sim.templates()
    sim.recategorize_template(hello["id"], "MARKETING")
    sample = fixture("template_list_response.json")["data"][1]
    create(api, {"name": "april_promo", "language": "en_US", "category": "MARKETING",
                 "components": copy.deepcopy(sample["components"])})

    response = api.get(TEMPLATES)

    assert response.status_code == 200
    body = response.json()
    assert_shape(body, fixture("template_list_response.json"))
    assert [t["name"] for t in body["data"]] == ["hello_world", "april_promo"]
    assert body["data"][0]["previous_category"] == "UTILITY"


def test_it_pages_filters_and_selects_fields(api: Api, sim: Simulator) -> None:
    for name in ("alpha", "beta", "gamma"):
        create(api, definition(name))
    create(api, definition("reject_delta"))

    first = api.get(TEMPLATES, params={"limit": 2, "fields": "name,status"}).json()
    second = requests.get(first["paging"]["next"], headers=api.session.headers, timeout=5).json()
    back = api.get(TEMPLATES, params={"limit": 2, "before": second["paging"]["cursors"]["before"]}).json()
    rejected = api.get(TEMPLATES, params={"status": "REJECTED"}).json()
    by_name = api.get(TEMPLATES, params={"name": "gam"}).json()

    assert [t["name"] for t in first["data"]] == ["hello_world", "alpha"]
    assert set(first["data"][0]) == {"name", "status", "id"}
    assert [t["name"] for t in second["data"]] == ["beta", "gamma"]
    assert "previous" in second["paging"]
    assert [t["name"] for t in back["data"]] == ["hello_world", "alpha"]
    assert [t["name"] for t in rejected["data"]] == ["reject_delta"]
    assert [t["name"] for t in by_name["data"]] == ["gamma"]
    assert_error(api.get(TEMPLATES, params={"limit": "many"}), 400, 100)


def test_it_gets_a_template_by_id_and_hides_other_wabas_templates(api: Api, sim: Simulator, server: str) -> None:
    template_id = create(api).json()["id"]

    fetched = api.get(f"/{template_id}", params={"fields": "name,language,quality_score,parameter_format"})
    stranger = Api(server, token="someone-elses-token").get(f"/{template_id}")

    assert fetched.json() == {"name": "order_ready", "language": "en_US", "parameter_format": "POSITIONAL",
                              "quality_score": {"score": "UNKNOWN", "date": fetched.json()["quality_score"]["date"]},
                              "id": template_id}
    assert_error(stranger, 401, 190)


# -- edit and delete -----------------------------------------------------------------------------


def test_it_edits_an_approved_template_once_a_day_and_reviews_it_again() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, template_review_delay=0)
    running = serve(simulator)
    try:
        api = Api(running.url)
        template_id = create(api).json()["id"]
        simulator.take_webhooks()
        new_body = [{"type": "BODY", "text": "Hello {{1}}, it is ready.", "example": {"body_text": [["Ana"]]}}]

        edited = api.post(f"/{template_id}", json={"components": new_body})
        too_soon = api.post(f"/{template_id}", json={"components": new_body})
        category = api.post(f"/{template_id}", json={"category": "MARKETING"})
        clock.advance(24 * 3600)
        next_day = api.post(f"/{template_id}", json={"message_send_ttl_seconds": 600})

        assert (edited.status_code, edited.json()) == (200, {"success": True})
        assert_error(too_soon, 400, 100, details="once every 24 hours")
        assert_error(category, 400, 100, details="category of an approved template")
        assert next_day.status_code == 200
        assert [v["event"] for v in webhook_values(simulator.take_webhooks(), STATUS)] == ["APPROVED", "APPROVED"]
        assert api.get(f"/{template_id}", params={"fields": "components"}).json()["components"] == new_body
    finally:
        running.shutdown()
        simulator.close()


def test_it_allows_ten_edits_of_an_approved_template_in_30_days() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, template_review_delay=0)
    running = serve(simulator)
    try:
        api = Api(running.url)
        template_id = create(api).json()["id"]
        codes = []
        for ttl in range(600, 611):
            clock.advance(24 * 3600 + 1)
            codes.append(api.post(f"/{template_id}", json={"message_send_ttl_seconds": ttl}))

        assert [r.status_code for r in codes[:10]] == [200] * 10
        assert_error(codes[10], 400, 100, details="10 times in 30 days")
    finally:
        running.shutdown()
        simulator.close()


def test_it_edits_rejected_templates_freely_but_not_pending_ones() -> None:
    simulator = make_sim(template_review_outcome="manual")
    running = serve(simulator)
    try:
        api = Api(running.url)
        template_id = create(api).json()["id"]
        pending = api.post(f"/{template_id}", json={"category": "MARKETING"})
        simulator.reject_template(template_id, "INCORRECT_CATEGORY")
        edits = [api.post(f"/{template_id}", json={"category": "MARKETING"}).status_code]
        simulator.reject_template(template_id)
        edits.append(api.post(f"/{template_id}", json={"category": "UTILITY"}).status_code)

        assert_error(pending, 400, 100, details="Only APPROVED, REJECTED, PAUSED")
        assert edits == [200, 200]
    finally:
        running.shutdown()
        simulator.close()


def test_it_deletes_by_name_in_every_language_or_by_hsm_id(api: Api, sim: Simulator) -> None:
    english = create(api).json()["id"]
    create(api, definition(language="pt_BR"))
    create(api, definition(language="es"))
    create(api, definition("other"))

    one = api.delete(TEMPLATES, params={"name": "order_ready", "hsm_id": english})
    rest = api.delete(TEMPLATES, params={"name": "order_ready"})
    missing = api.delete(TEMPLATES, params={"name": "order_ready"})
    reuse = create(api)

    assert (one.json(), rest.json()) == ({"success": True}, {"success": True})
    assert [t["name"] for t in sim.templates()] == ["hello_world", "other"]
    assert_error(missing, 400, 100, details="not found")
    assert_error(reuse, 400, 100, subcode=2388023)
    assert_error(api.delete(TEMPLATES), 400, 131008, details="name")


def test_it_does_not_delete_disabled_templates(api: Api, sim: Simulator) -> None:
    template = sim.add_template(name="gone_bad")
    sim.disable_template(template["id"])

    assert_error(api.delete(TEMPLATES, params={"name": "gone_bad"}), 400, 100, details="Disabled")


# -- commands --------------------------------------------------------------------------------


def sim_command(server: str, template_id: str, action: str, **body: Any) -> requests.Response:
    return requests.post(f"{server}/_sim/templates/{template_id}/{action}", json=body or None, timeout=5)


def test_it_pauses_unpauses_and_finally_disables_a_template_with_metas_webhooks(
    server: str, sim: Simulator
) -> None:
    template_id = sim.add_template(name="flash_sale", category="MARKETING")["id"]

    actions = [sim_command(server, template_id, action).json()["status"]
               for action in ("pause", "unpause", "pause", "unpause", "pause")]

    assert actions == ["PAUSED", "APPROVED", "PAUSED", "APPROVED", "DISABLED"]
    values = webhook_values(sim.take_webhooks(), STATUS)
    assert [(v["event"], v.get("other_info", {}).get("title")) for v in values] == [
        ("PAUSED", "FIRST_PAUSE"), ("APPROVED", "UNPAUSE"), ("PAUSED", "SECOND_PAUSE"), ("APPROVED", "UNPAUSE"),
        ("DISABLED", None)]
    assert isinstance(values[-1]["disable_info"]["disable_date"], int)
    assert all(isinstance(v["message_template_id"], int) for v in values)
    assert sim_command(server, template_id, "unpause").status_code == 400


def test_it_sends_quality_and_category_updates(server: str, sim: Simulator) -> None:
    template_id = sim.add_template(name="welcome_template", language="en_US")["id"]

    quality = sim_command(server, template_id, "quality", score="YELLOW")
    category = sim_command(server, template_id, "recategorize", category="MARKETING")

    assert quality.json()["quality_score"]["score"] == "YELLOW"
    assert category.json()["category"] == "MARKETING"
    [(q_body, q_headers), (c_body, c_headers)] = sim.take_webhooks()
    quality_value = verify(q_body, q_headers)["entry"][0]["changes"][0]
    assert quality_value["field"] == "message_template_quality_update"
    assert quality_value["value"] == {"previous_quality_score": "UNKNOWN", "new_quality_score": "YELLOW",
                                      "message_template_id": int(template_id),
                                      "message_template_name": "welcome_template",
                                      "message_template_language": "en_US"}
    payload = verify(c_body, c_headers)
    assert_shape(payload, fixture("webhook_template_category_update.json"))
    assert payload["entry"][0]["changes"][0]["value"]["previous_category"] == "UTILITY"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_sim/templates/1/approve", None, 404),
        ("/_sim/templates/{id}/quality", {"score": "PURPLE"}, 400),
        ("/_sim/templates/{id}/quality", None, 400),
        ("/_sim/templates/{id}/reject", {"reason": "BORING"}, 400),
        ("/_sim/templates/{id}/explode", None, 404),
    ],
)
def test_it_answers_readable_errors_for_bad_commands(server: str, sim: Simulator, path: str,
                                                     body: dict[str, Any] | None, status: int) -> None:
    template_id = sim.add_template(name="pending_one", status="PENDING")["id"]

    response = requests.post(server + path.format(id=template_id), data=json.dumps(body) if body else None, timeout=5)

    assert response.status_code == status
    assert isinstance(response.json()["error"], str)
