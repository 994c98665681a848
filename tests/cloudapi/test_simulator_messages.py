"""The simulator's POST /{phone-number-id}/messages: every send type validated as Meta does,
template sends, rate limits and asynchronous failures."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest

from cloudapi.simulator import Simulator

from .simulator_http import (
    CUSTOMER,
    PHONE_NUMBER_ID,
    TOKEN,
    Api,
    FakeClock,
    assert_error,
    customer_writes,
    fixture,
    make_sim,
    number,
    statuses,
    webhook_values,
)


def message(kind: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": f"+{CUSTOMER}", "type": kind,
            kind: content, **extra}


def upload(api: Api, data: bytes = b"\x89PNG\r\n\x1a\nimage", mime: str = "image/png") -> str:
    response = api.post(f"/{PHONE_NUMBER_ID}/media", data={"messaging_product": "whatsapp"},
                        files={"file": ("file.bin", data, mime)})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def call(simulator: Simulator, body: dict[str, Any]) -> tuple[int, Any]:
    raw = json.dumps(body).encode()
    return simulator.handle("POST", f"/v24.0/{PHONE_NUMBER_ID}/messages", {"Authorization": f"Bearer {TOKEN}"},
                            raw, {})


def substitute(value: Any, replacements: dict[str, str]) -> Any:
    """The fixture with placeholder strings replaced (recursively)."""
    if isinstance(value, dict):
        return {key: substitute(item, replacements) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, replacements) for item in value]
    return replacements.get(value, value) if isinstance(value, str) else value


@pytest.fixture
def window_open(sim: Simulator) -> Iterator[None]:
    customer_writes(sim)
    sim.take_webhooks()
    yield


# -- Meta's own request bodies ------------------------------------------------------------


def test_it_accepts_metas_text_and_mark_read_request_bodies(api: Api, sim: Simulator, window_open: None) -> None:
    text = substitute(fixture("send_request_text.json"), {"{{Recipient-Phone-Number}}": f"+{CUSTOMER}"})
    wamid = customer_writes(sim)
    read = {**fixture("mark_read_typing_indicator_request.json"), "message_id": wamid}

    assert api.send(text).status_code == 200
    assert (api.send(read).status_code, api.send(read).json()) == (200, {"success": True})


def test_it_accepts_metas_template_request_body_once_the_template_exists(api: Api, sim: Simulator) -> None:
    sim.add_template(name="order_receipt", language="en_US", category="UTILITY", components=[
        {"type": "BODY", "text": "Hi {{1}}, you paid {{2}} on {{3}}. Thanks!",
         "example": {"body_text": [["Pablo", "$10", "Monday"]]}}])
    body = substitute(fixture("send_request_template.json"), {
        "{{Recipient-Phone-Number}}": f"+{CUSTOMER}", "template-name": "order_receipt",
        "language-and-locale-code": "en_US"})

    response = api.send(body)

    assert response.status_code == 200, response.text
    sent = [s for s in statuses(sim.take_webhooks()) if s["status"] == "sent"]
    assert sent[0]["pricing"] == {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}


def test_it_accepts_metas_interactive_buttons_body_with_an_uploaded_header_image(
    api: Api, sim: Simulator, window_open: None
) -> None:
    media_id = upload(api, mime="image/jpeg")
    body = substitute(fixture("send_request_interactive_buttons.json"), {"2762702990552401": media_id})

    assert api.send(body).status_code == 200
    unknown = api.send(fixture("send_request_interactive_buttons.json"))
    assert_error(unknown, 400, 131053, details="2762702990552401")


# -- media, location, contacts, reaction -----------------------------------------------------


def test_it_accepts_every_media_type_by_id_or_link(api: Api, sim: Simulator, window_open: None) -> None:
    ids = {
        "image": upload(api, mime="image/jpeg"),
        "video": upload(api, b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        "audio": upload(api, b"OggS", "audio/ogg"),
        "document": upload(api, b"%PDF-1.4", "application/pdf"),
        "sticker": upload(api, b"RIFF....WEBP", "image/webp"),
    }
    bodies = [
        message("image", {"id": ids["image"], "caption": "A cat"}),
        message("image", {"link": "https://example.com/cat.jpg"}),
        message("video", {"id": ids["video"], "caption": "Clip"}),
        message("audio", {"id": ids["audio"]}),
        message("document", {"id": ids["document"], "filename": "invoice.pdf", "caption": "Your invoice"}),
        message("sticker", {"id": ids["sticker"]}),
    ]

    codes = [api.send(body).status_code for body in bodies]

    assert codes == [200] * 6
    assert [s["status"] for s in statuses(sim.take_webhooks())].count("failed") == 0


@pytest.mark.parametrize(
    ("kind", "content", "status", "code", "details"),
    [
        ("image", {}, 400, 100, "Invalid parameter: image"),
        ("image", {"caption": "no file"}, 400, 131008, "image['id'] or image['link'] is required"),
        ("image", {"id": "1", "link": "https://example.com/a.jpg"}, 400, 100, "either 'id' or 'link'"),
        ("image", {"link": "ftp://example.com/a.jpg"}, 400, 131009, "image['link']"),
        ("image", {"id": "999999999999999"}, 400, 131053, "image['id']"),
        ("audio", {"link": "https://example.com/a.ogg", "caption": "x"}, 400, 100, "audio['caption']"),
        ("image", {"link": "https://example.com/a.jpg", "filename": "a.jpg"}, 400, 100, "image['filename']"),
        ("image", {"link": "https://example.com/a.jpg", "caption": "x" * 1025}, 400, 131009, "image['caption']"),
        ("location", {"longitude": 1}, 400, 131008, "location['latitude']"),
        ("location", {"latitude": 91, "longitude": 0}, 400, 131009, "location['latitude']"),
        ("location", {"latitude": 0, "longitude": "east"}, 400, 131009, "location['longitude']"),
        ("contacts", [{"phones": []}], 400, 131008, "contacts[0]['name']['formatted_name']"),
        ("contacts", [{"name": {"formatted_name": "A"}, "birthday": "1/2/90"}], 400, 131009, "birthday"),
        ("reaction", {"emoji": "👍"}, 400, 131008, "reaction['message_id']"),
        ("reaction", {"message_id": "wamid.x", "emoji": "👍👍"}, 400, 131009, "reaction['emoji']"),
        ("reaction", {"message_id": "wamid.x", "emoji": "ok"}, 400, 131009, "reaction['emoji']"),
    ],
)
def test_it_rejects_media_location_contacts_and_reactions_like_meta(
    api: Api, kind: str, content: Any, status: int, code: int, details: str
) -> None:
    assert_error(api.send(message(kind, content)), status, code, details=details)


def test_it_accepts_locations_contacts_and_reactions(api: Api, sim: Simulator, window_open: None) -> None:
    wamid = api.send(message("text", {"body": "hi"})).json()["messages"][0]["id"]
    bodies = [
        message("location", {"latitude": -33.86, "longitude": 151.2, "name": "Opera", "address": "Bennelong Pt"}),
        message("contacts", [{"name": {"formatted_name": "Ada Lovelace", "first_name": "Ada"},
                              "phones": [{"phone": "+16505551234", "type": "WORK"}], "birthday": "1815-12-10"}]),
        message("reaction", {"message_id": wamid, "emoji": "👍🏽"}),
        message("reaction", {"message_id": wamid, "emoji": "❤️"}),
        message("reaction", {"message_id": wamid, "emoji": "🇧🇷"}),
        message("reaction", {"message_id": wamid, "emoji": "👨‍👩‍👧"}),
        message("reaction", {"message_id": wamid, "emoji": ""}),
    ]

    assert [api.send(body).status_code for body in bodies] == [200] * len(bodies)


def test_it_fails_an_image_message_with_a_webp_file_asynchronously_with_131053(
    api: Api, sim: Simulator, window_open: None
) -> None:
    webp = upload(api, b"RIFF....WEBP", "image/webp")

    response = api.send(message("image", {"id": webp}))

    assert response.status_code == 200
    [failed] = statuses(sim.take_webhooks())
    assert (failed["status"], failed["errors"][0]["code"]) == ("failed", 131053)
    assert "image/webp" in failed["errors"][0]["error_data"]["details"]


# -- interactive ---------------------------------------------------------------------------


def buttons(count: int = 2, **reply: Any) -> dict[str, Any]:
    items = [{"type": "reply", "reply": {"id": f"b{i}", "title": f"Option {i}", **reply}} for i in range(count)]
    return {"type": "button", "body": {"text": "Pick one"}, "action": {"buttons": items}}


def list_message(sections: int = 1, rows: int = 2, **row: Any) -> dict[str, Any]:
    return {"type": "list", "body": {"text": "Choose"}, "action": {"button": "Options", "sections": [
        {"title": f"Section {s}", "rows": [{"id": f"r{s}-{r}", "title": f"Row {r}", **row} for r in range(rows)]}
        for s in range(sections)]}}


def with_(interactive: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(interactive)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


CTA = {"type": "cta_url", "body": {"text": "See the offer"},
       "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com/offer"}}}


@pytest.mark.parametrize(
    ("interactive", "details"),
    [
        (buttons(4), "4 buttons, max 3"),
        (buttons(1, title="x" * 21), "interactive['action']['buttons'][0]['reply']['title']"),
        (buttons(1, id="x" * 257), "interactive['action']['buttons'][0]['reply']['id']"),
        (buttons(2, title="Same"), "button titles must be unique"),
        (with_(buttons(), ("body", "text"), "x" * 1025), "interactive['body']['text']"),
        (with_(buttons(), ("footer",), {"text": "x" * 61}), "interactive['footer']['text']"),
        (with_(buttons(), ("header",), {"type": "text", "text": "x" * 61}), "interactive['header']['text']"),
        (list_message(rows=11), "11 rows in total, max 10"),
        (list_message(sections=11, rows=1), "11 sections, max 10"),
        (list_message(sections=3, rows=4), "12 rows in total"),
        (list_message(title="x" * 25), "['rows'][0]['title']"),
        (list_message(description="x" * 73), "['rows'][0]['description']"),
        (list_message(id="x" * 201), "['rows'][0]['id']"),
        (with_(list_message(), ("action", "button"), "x" * 21), "interactive['action']['button']"),
        (with_(list_message(), ("action", "sections", 0, "title"), "x" * 25), "['sections'][0]['title']"),
        (with_(list_message(), ("body", "text"), "x" * 4097), "interactive['body']['text']"),
        (with_(CTA, ("action", "parameters", "display_text"), "x" * 21), "['display_text']"),
        (with_(CTA, ("action", "parameters", "url"), "ftp://example.com"), "['url']"),
    ],
)
def test_it_enforces_interactive_limits_with_131009_naming_the_field(
    api: Api, interactive: dict[str, Any], details: str
) -> None:
    assert_error(api.send(message("interactive", interactive)), 400, 131009, details=details)


def test_it_accepts_interactive_messages_at_their_limits(api: Api, sim: Simulator, window_open: None) -> None:
    at_limits = [
        with_(buttons(3), ("header",), {"type": "text", "text": "x" * 60}),
        with_(buttons(1, title="x" * 20, id="y" * 256), ("footer",), {"text": "x" * 60}),
        with_(list_message(sections=2, rows=5, description="d" * 72), ("body", "text"), "x" * 4096),
        CTA,
    ]

    assert [api.send(message("interactive", item)).status_code for item in at_limits] == [200] * 4


def flow_message(flow_id: str, **parameters: Any) -> dict[str, Any]:
    params = {"flow_message_version": "3", "flow_token": "order-42", "flow_id": flow_id, "flow_cta": "Book",
              "flow_action": "navigate", "flow_action_payload": {"screen": "WELCOME"}, **parameters}
    return message("interactive", {"type": "flow", "body": {"text": "Book a table"},
                                   "action": {"name": "flow", "parameters": params}})


def test_it_sends_flows_only_when_published_unless_in_draft_mode(api: Api, sim: Simulator, window_open: None) -> None:
    flow_id = api.post(f"/{number().waba_id}/flows", json={"name": "booking", "categories": ["OTHER"]}).json()["id"]

    draft = api.send(flow_message(flow_id))
    draft_mode = api.send(flow_message(flow_id, mode="draft"))
    missing_token = api.send(flow_message(flow_id, mode="draft", flow_token=""))
    unknown = api.send(flow_message("123456789012345"))

    assert_error(draft, 400, 131009, details="is DRAFT")
    assert draft_mode.status_code == 200
    assert_error(missing_token, 400, 131008, details="['flow_token']")
    assert_error(unknown, 400, 131009, details="no flow with flow_id 123456789012345")


# -- templates ------------------------------------------------------------------------------


def template_message(name: str = "shipping_update", *parameters: str, language: str = "en_US") -> dict[str, Any]:
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        template["components"] = [{"type": "body",
                                   "parameters": [{"type": "text", "text": p} for p in parameters]}]
    return message("template", template)


SHIPPING = [{"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.",
             "example": {"body_text": [["Pablo", "#42"]]}}]


def test_it_answers_132001_with_http_404_for_an_unknown_or_unapproved_template(api: Api, sim: Simulator) -> None:
    sim.add_template(name="shipping_update", components=SHIPPING)
    sim.add_template(name="pending_one", status="PENDING")

    assert_error(api.send(template_message("nope")), 404, 132001, details="template name (nope) does not exist")
    assert_error(api.send(template_message("shipping_update", "a", "b", language="pt_BR")), 404, 132001)
    assert_error(api.send(template_message("pending_one")), 404, 132001)


def test_it_refuses_paused_and_disabled_templates(api: Api, sim: Simulator) -> None:
    paused = sim.add_template(name="paused_one")
    disabled = sim.add_template(name="disabled_one")
    sim.pause_template(paused["id"])
    sim.disable_template(disabled["id"])

    assert_error(api.send(template_message("paused_one")), 400, 132015)
    assert_error(api.send(template_message("disabled_one")), 400, 132016)


@pytest.mark.parametrize("parameters", [(), ("Pablo",), ("Pablo", "#42", "extra")])
def test_it_answers_132000_when_the_parameter_count_differs(api: Api, sim: Simulator,
                                                           parameters: tuple[str, ...]) -> None:
    sim.add_template(name="shipping_update", components=SHIPPING)

    error = assert_error(api.send(template_message("shipping_update", *parameters)), 400, 132000)
    assert f"({len(parameters)})" in error["error_data"]["details"]


def test_it_checks_header_and_button_parameters_of_a_template(api: Api, sim: Simulator) -> None:
    sim.add_template(name="promo", category="MARKETING", components=[
        {"type": "HEADER", "format": "TEXT", "text": "Sale on {{1}}", "example": {"header_text": ["shoes"]}},
        {"type": "BODY", "text": "Hello, see our offers."},
        {"type": "BUTTONS", "buttons": [
            {"type": "QUICK_REPLY", "text": "Stop"},
            {"type": "URL", "text": "Shop", "url": "https://example.com/{{1}}", "example": ["https://example.com/x"]}]},
    ])
    ok = {"name": "promo", "language": {"code": "en_US"}, "components": [
        {"type": "header", "parameters": [{"type": "text", "text": "hats"}]},
        {"type": "button", "sub_type": "url", "index": "1", "parameters": [{"type": "text", "text": "hats"}]}]}
    no_button = copy.deepcopy(ok)
    no_button["components"].pop()

    assert api.send(message("template", ok)).status_code == 200
    assert_error(api.send(message("template", no_button)), 400, 132000, details="button 1 (URL)")


def test_it_delivers_a_marketing_template_outside_the_window_priced_as_marketing(api: Api, sim: Simulator) -> None:
    sim.add_template(name="autumn_sale", category="MARKETING")

    assert api.send(template_message("autumn_sale")).status_code == 200

    found = statuses(sim.take_webhooks())
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert found[0]["pricing"] == {"billable": True, "pricing_model": "PMP", "type": "regular",
                                   "category": "marketing"}


# -- limits and asynchronous failures ---------------------------------------------------------


def test_it_answers_131056_past_the_pair_rate_limit_until_the_window_passes() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, pair_rate_limit=3, pair_rate_window=6.0)
    body = message("text", {"body": "hi"})
    other = {**body, "to": "16505550000"}

    codes = [call(simulator, body)[0] for _ in range(4)]
    status, answer = call(simulator, body)
    other_status, _ = call(simulator, other)
    clock.advance(6.01)
    later, _ = call(simulator, body)

    assert codes == [200, 200, 200, 400]
    assert (status, answer["error"]["code"]) == (400, 131056)
    assert other_status == 200
    assert later == 200
    assert len(simulator.sent_messages()) == 5
    simulator.close()


def test_it_answers_130429_past_the_numbers_throughput() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, numbers=[number(mps=2)])
    bodies = [{**message("text", {"body": "hi"}), "to": f"1650555000{i}"} for i in range(4)]

    first = [call(simulator, body)[0] for body in bodies[:3]]
    _, answer = call(simulator, bodies[3])
    clock.advance(1.0)
    next_second = call(simulator, bodies[3])[0]

    assert first == [200, 200, 400]
    assert answer["error"]["code"] == 130429
    assert next_second == 200
    simulator.close()


def test_it_fails_sends_to_an_undeliverable_number_with_131026(api: Api, sim: Simulator, server: str) -> None:
    import requests

    marked = requests.post(f"{server}/_sim/undeliverable", json={"wa_id": CUSTOMER}, timeout=5)
    sim.add_template(name="hello_there")

    response = api.send(template_message("hello_there"))

    assert marked.json() == {"wa_id": CUSTOMER, "undeliverable": True}
    assert response.status_code == 200
    [failed] = statuses(sim.take_webhooks())
    assert (failed["status"], failed["errors"][0]["code"], failed["errors"][0]["title"]) == (
        "failed", 131026, "Message undeliverable")
    sim.mark_undeliverable(CUSTOMER, False)
    api.send(template_message("hello_there"))
    assert [s["status"] for s in statuses(sim.take_webhooks())] == ["sent", "delivered", "read"]


def test_it_refuses_to_send_from_a_deregistered_number_or_to_itself(api: Api, sim: Simulator) -> None:
    to_self = {**template_message("hello_world"), "to": number().display_phone_number}
    assert_error(api.send(to_self), 400, 131021)

    api.post(f"/{PHONE_NUMBER_ID}/deregister")

    assert_error(api.send(template_message("hello_world")), 400, 133010)


def test_it_echoes_callback_data_in_every_status_and_counts_it(api: Api, sim: Simulator) -> None:
    for key in ("a", "b", "a"):
        api.send({**template_message("hello_world"), "biz_opaque_callback_data": key})

    assert sim.callback_data_counts() == {"a": 2, "b": 1}
    values = webhook_values(sim.take_webhooks())
    assert sorted({s["biz_opaque_callback_data"] for v in values for s in v["statuses"]}) == ["a", "b"]


# -- status webhooks against Meta's samples ----------------------------------------------------

# Meta dropped ``conversation`` from v24.0 on; ``contacts`` appears in some samples of statuses only;
# CBP-era samples lack ``pricing.type``; ``pricing`` rides on sent and one of delivered/read.
_V24 = ("conversation", "contacts")


@pytest.mark.parametrize(
    ("reference", "status", "ignore", "callback"),
    [
        ("webhook_status_sent_pmp.json", "sent", _V24, None),
        ("webhook_status_sent.json", "sent", (*_V24, "type"), None),
        ("webhook_status_delivered.json", "delivered", (*_V24, "type"), None),
        ("webhook_status_read.json", "read", (*_V24, "pricing"), None),
        ("webhook_status_sent_biz_opaque_callback.json", "sent", (*_V24, "type"), "some data"),
    ],
)
def test_it_sends_status_webhooks_with_the_keys_meta_keeps_in_v24(
    api: Api, sim: Simulator, reference: str, status: str, ignore: tuple[str, ...], callback: str | None
) -> None:
    from .simulator_http import assert_shape, verify

    customer_writes(sim)
    sim.take_webhooks()
    body = message("text", {"body": "hi"})
    if callback:
        body["biz_opaque_callback_data"] = callback
    api.send(body)

    payloads = [verify(raw, headers) for raw, headers in sim.take_webhooks()]
    [payload] = [p for p in payloads if p["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == status]
    assert_shape(payload, fixture(reference), ignore=ignore)


def test_it_sends_the_failed_status_webhook_like_metas(api: Api, sim: Simulator) -> None:
    from .simulator_http import assert_shape, verify

    api.send(message("text", {"body": "hi"}))

    [(raw, headers)] = sim.take_webhooks()
    assert_shape(verify(raw, headers), fixture("webhook_status_failed_131047.json"))
