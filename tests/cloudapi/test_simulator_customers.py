"""Simulated customers: every inbound type posted as Meta posts it (shapes from Meta's payloads),
through the Python API and the /_sim/inbound/<kind> endpoints."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
import requests

from cloudapi.simulator import Simulator

from .simulator_http import (
    CUSTOMER,
    TOKEN,
    WABA_ID,
    Api,
    assert_shape,
    customer_writes,
    fixture,
    verify,
)


def only_webhook(simulator: Simulator) -> dict[str, Any]:
    [(body, headers)] = simulator.take_webhooks()
    return verify(body, headers)


def the_message(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


def sent(api: Api, sim: Simulator, interactive: dict[str, Any] | None = None, **body: Any) -> str:
    customer_writes(sim)
    message = {"messaging_product": "whatsapp", "to": CUSTOMER, **body}
    if interactive is not None:
        message.update(type="interactive", interactive=interactive)
    response = api.send(message)
    assert response.status_code == 200, response.text
    sim.take_webhooks()
    return response.json()["messages"][0]["id"]


BUTTONS = {"type": "button", "body": {"text": "Reschedule?"}, "action": {"buttons": [
    {"type": "reply", "reply": {"id": "change-button", "title": "Change"}},
    {"type": "reply", "reply": {"id": "cancel-button", "title": "Cancel"}}]}}


def test_it_sends_a_button_reply_quoting_our_message(api: Api, sim: Simulator) -> None:
    wamid = sent(api, sim, BUTTONS)

    reply_id = sim.customer_button_reply(wa_id=CUSTOMER, context_id=wamid, button_id="cancel-button", name="Sheena")

    payload = only_webhook(sim)
    assert_shape(payload, fixture("webhook_message_interactive_button_reply.json"))
    message = the_message(payload)
    assert message["id"] == reply_id
    assert message["context"] == {"from": "15550783881", "id": wamid}
    assert message["interactive"] == {"type": "button_reply", "button_reply": {"id": "cancel-button",
                                                                                "title": "Cancel"}}
    with pytest.raises(ValueError, match="no button"):
        sim.customer_button_reply(wa_id=CUSTOMER, context_id=wamid, button_id="other")


def test_it_sends_list_replies_quick_replies_and_flow_completions(api: Api, sim: Simulator, server: str) -> None:
    list_id = sent(api, sim, {"type": "list", "body": {"text": "Pick"}, "action": {"button": "Menu", "sections": [
        {"title": "Food", "rows": [{"id": "pizza", "title": "Pizza", "description": "Margherita"}]}]}})
    template_id = sent(api, sim, type="template", template={"name": "hello_world", "language": {"code": "en_US"}})
    flow = api.post(f"/{WABA_ID}/flows", json={"name": "book", "categories": ["OTHER"]}).json()["id"]
    flow_message = sent(api, sim, {"type": "flow", "body": {"text": "Book"}, "action": {"name": "flow", "parameters": {
        "flow_message_version": "3", "flow_token": "booking-7", "flow_id": flow, "flow_cta": "Book",
        "mode": "draft"}}})

    sim.customer_list_reply(wa_id=CUSTOMER, context_id=list_id, row_id="pizza")
    list_reply = the_message(only_webhook(sim))
    quick = requests.post(f"{server}/_sim/inbound/quick_reply", json={
        "from": CUSTOMER, "context_id": template_id, "text": "Stop promotions"}, timeout=5)
    quick_payload = only_webhook(sim)
    sim.customer_flow_reply(wa_id=CUSTOMER, context_id=flow_message, response={"date": "2025-01-01"})
    nfm = the_message(only_webhook(sim))["interactive"]

    assert list_reply["interactive"] == {"type": "list_reply", "list_reply": {
        "id": "pizza", "title": "Pizza", "description": "Margherita"}}
    assert quick.status_code == 200
    assert_shape(quick_payload, fixture("webhook_message_button_quick_reply.json"))
    assert the_message(quick_payload)["button"] == {"payload": "Stop promotions", "text": "Stop promotions"}
    assert (nfm["type"], nfm["nfm_reply"]["name"], nfm["nfm_reply"]["body"]) == ("nfm_reply", "flow", "Sent")
    assert json.loads(nfm["nfm_reply"]["response_json"]) == {"date": "2025-01-01", "flow_token": "booking-7"}


def test_it_sends_reactions_locations_and_contacts(api: Api, sim: Simulator, server: str) -> None:
    wamid = sent(api, sim, type="text", text={"body": "Your order shipped"})

    sim.customer_reaction(wa_id=CUSTOMER, message_id=wamid, emoji="👍")
    reaction = only_webhook(sim)
    location = requests.post(f"{server}/_sim/inbound/location", json={
        "from": CUSTOMER, "latitude": 38.9, "longitude": -77.0, "location_name": "Home", "address": "1 Main St"},
        timeout=5)
    location_message = the_message(only_webhook(sim))
    contacts = [{"name": {"formatted_name": "Ada Lovelace"}, "phones": [{"phone": "+447700900000"}]}]
    sim.customer_contacts(wa_id=CUSTOMER, contacts=contacts)
    contacts_message = the_message(only_webhook(sim))

    assert_shape(reaction, fixture("webhook_message_reaction.json"))
    assert the_message(reaction)["reaction"] == {"message_id": wamid, "emoji": "👍"}
    assert location.status_code == 200
    assert location_message["location"] == {"latitude": 38.9, "longitude": -77.0, "name": "Home",
                                            "address": "1 Main St"}
    assert contacts_message["contacts"] == contacts


@pytest.mark.parametrize(
    ("kind", "reference", "options"),
    [
        ("image", "webhook_message_image_with_url.json", {}),
        ("image", "webhook_message_image.json", {"with_url": False}),
        ("video", "webhook_message_video.json", {"caption": "hello world", "with_url": False}),
        ("audio", "webhook_message_audio_voice.json", {"voice": True, "with_url": False}),
        ("document", "webhook_message_document.json", {"filename": "4_641947.pdf", "with_url": False}),
        ("sticker", "webhook_message_sticker.json", {"with_url": False}),
    ],
)
def test_it_sends_inbound_media_shaped_like_metas(sim: Simulator, kind: str, reference: str,
                                                  options: dict[str, Any]) -> None:
    sim.customer_media(wa_id=CUSTOMER, kind=kind, **options)

    payload = only_webhook(sim)

    # Meta's own samples differ in whether contacts carry business-scoped user ids.
    assert_shape(payload, fixture(reference), ignore=("user_id", "parent_user_id"))


def test_it_lets_our_side_fetch_an_inbound_file_with_the_token(api: Api, sim: Simulator, server: str) -> None:
    data = b"%PDF-1.7 the customer's invoice"
    response = requests.post(f"{server}/_sim/inbound/media", json={
        "from": CUSTOMER, "kind": "document", "data_base64": base64.b64encode(data).decode(),
        "mime_type": "application/pdf", "filename": "invoice.pdf", "caption": "My invoice"}, timeout=5)
    document = the_message(only_webhook(sim))["document"]

    info = api.get(f"/{document['id']}").json()
    fetched = requests.get(info["url"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    from_webhook = requests.get(document["url"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    assert response.status_code == 200
    assert (document["filename"], document["caption"], document["mime_type"]) == (
        "invoice.pdf", "My invoice", "application/pdf")
    assert document["sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert fetched.content == data == from_webhook.content


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("button_reply", {"from": CUSTOMER, "context_id": "wamid.unknown", "button_id": "x"}),
        ("media", {"from": CUSTOMER, "kind": "hologram"}),
        ("media", {"from": CUSTOMER, "kind": "image", "data_base64": "***"}),
        ("location", {"from": CUSTOMER, "latitude": 1}),
        ("contacts", {"from": CUSTOMER, "contacts": [{}]}),
        ("reaction", {"message_id": "wamid.x", "emoji": "👍"}),
    ],
)
def test_it_answers_400_for_bad_customer_actions(server: str, sim: Simulator, kind: str, body: dict[str, Any]) -> None:
    response = requests.post(f"{server}/_sim/inbound/{kind}", json=body, timeout=5)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert sim.take_webhooks() == []


def test_it_opens_the_window_with_any_inbound_type(api: Api, sim: Simulator) -> None:
    sim.customer_location(wa_id=CUSTOMER, latitude=1.0, longitude=2.0)
    sim.take_webhooks()

    api.send({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "Got it"}})

    statuses = [json.loads(body)["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
                for body, _ in sim.take_webhooks()]
    assert statuses == ["sent", "delivered", "read"]


def test_its_endpoints_take_json_even_when_curl_says_form(server: str, sim: Simulator) -> None:
    response = requests.post(f"{server}/_sim/inbound/location", data=json.dumps(
        {"from": CUSTOMER, "latitude": 1.5, "longitude": 2.5}), timeout=5,
        headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 200
    assert the_message(only_webhook(sim))["location"] == {"latitude": 1.5, "longitude": 2.5}


def test_it_passes_text_replies_and_unsupported_messages_through_as_meta_shapes_them(api: Api,
                                                                                    sim: Simulator) -> None:
    wamid = sent(api, sim, type="text", text={"body": "Which colour?"})

    sim.inbound(phone_number_id="106540352242922", wa_id=CUSTOMER, name="Sheena", message={
        "type": "text", "text": {"body": "replied text"}, "context": {"from": "15550783881", "id": wamid}})
    reply = only_webhook(sim)
    sim.inbound(phone_number_id="106540352242922", wa_id=CUSTOMER, name="Sheena", message={
        "type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown",
                                           "message": "Message type unknown",
                                           "error_data": {"details": "Message type is currently not supported."}}]})
    unsupported = only_webhook(sim)

    assert_shape(reply, fixture("webhook_message_text_reply_context.json"), ignore=("user_id", "parent_user_id"))
    assert the_message(reply)["context"] == {"from": "15550783881", "id": wamid}
    assert_shape(unsupported, fixture("webhook_message_unsupported.json"))
