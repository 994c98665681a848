"""The client's senders and mark-as-read against a running simulator: what comes back, what was sent,
and the status webhooks that follow."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cloudapi.client import (
    CloudApiClient,
    SendResult,
    interactive_buttons,
    interactive_cta_url,
    interactive_flow,
    interactive_list,
)
from cloudapi.errors import CloudApiError

from .sim_env import (
    CUSTOMER,
    PHONE,
    WABA,
    SimEnv,
    assert_graph_error,
    statuses,
    unique,
)

pytestmark = pytest.mark.against_simulator

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VALID_FLOW = json.dumps({"version": "6.0", "screens": [{"id": "WELCOME", "title": "Hi", "terminal": True, "layout": {
    "type": "SingleColumnLayout", "children": [{"type": "Footer", "label": "Done",
                                                "on-click-action": {"name": "complete", "payload": {}}}]}}]})


@pytest.fixture
def window(sim_env: SimEnv) -> str:
    """The customer wrote: the 24-hour window is open. Returns the inbound wamid."""
    return sim_env.customer_writes()


def sent_body(sim_env: SimEnv, result: SendResult) -> dict[str, Any]:
    """The request body the simulator accepted for this send."""
    [message] = [m for m in sim_env.sim.sent_messages() if m["wamid"] == result.wamid]
    return message["body"]


def assert_accepted(result: SendResult, *, to: str = CUSTOMER, given: str = CUSTOMER) -> None:
    assert isinstance(result, SendResult)
    assert result.wamid.startswith("wamid.") and len(result.wamid) > 20
    assert result.wa_id == to
    assert result.input == given
    assert result.message_status == ""  # only paced template sends carry one


def test_it_sends_a_raw_payload_with_send_message(sim_env: SimEnv, client: CloudApiClient, window: str) -> None:
    result = client.send_message(phone_number_id=PHONE, payload={
        "to": CUSTOMER, "type": "text", "text": {"body": "Raw hello"}, "biz_opaque_callback_data": "raw-1"})

    assert_accepted(result)
    body = sent_body(sim_env, result)
    assert body["messaging_product"] == "whatsapp" and body["recipient_type"] == "individual"
    assert sim_env.sim.callback_data_counts() == {"raw-1": 1}


def test_it_sends_text_and_the_status_webhooks_carry_its_callback_data(sim_env: SimEnv, client: CloudApiClient,
                                                                       window: str) -> None:
    key = unique("text")

    result = client.send_text(phone_number_id=PHONE, to="+1 (650) 555-1234", body="Your order shipped",
                              preview_url=True, reply_to=window, callback_data=key)

    assert_accepted(result, given="+1 (650) 555-1234")
    body = sent_body(sim_env, result)
    assert body["text"] == {"body": "Your order shipped", "preview_url": True}
    assert body["context"] == {"message_id": window}
    found = [s for s in statuses(sim_env.sim) if s["id"] == result.wamid]
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert {s["biz_opaque_callback_data"] for s in found} == {key}
    assert found[0]["pricing"]["category"] == "service"


def test_it_sends_uploaded_media_by_id_and_media_by_link(sim_env: SimEnv, client: CloudApiClient,
                                                         window: str) -> None:
    image = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")
    pdf = client.upload_media(phone_number_id=PHONE, file=b"%PDF-1.4 tiny", filename="bill.pdf",
                              mime_type="application/pdf")

    by_id = client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="image", media_id=image, caption="Menu")
    document = client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="document", media_id=pdf,
                                 caption="Your bill", filename="bill.pdf")
    by_link = client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="audio",
                                link="https://example.com/voice.mp3")

    for result in (by_id, document, by_link):
        assert_accepted(result)
    assert sent_body(sim_env, by_id)["image"] == {"id": image, "caption": "Menu"}
    assert sent_body(sim_env, document)["document"] == {"id": pdf, "caption": "Your bill", "filename": "bill.pdf"}
    assert sent_body(sim_env, by_link)["audio"] == {"link": "https://example.com/voice.mp3"}
    assert {s["status"] for s in statuses(sim_env.sim)} == {"sent", "delivered", "read"}


def test_it_gets_131053_for_unknown_media_and_a_failed_webhook_for_media_of_the_wrong_type(
    sim_env: SimEnv, client: CloudApiClient, window: str
) -> None:
    sticker = client.upload_media(phone_number_id=PHONE, file=b"RIFF0000WEBPVP8 ", filename="s.webp",
                                  mime_type="image/webp")

    with pytest.raises(CloudApiError) as caught:
        client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="image", media_id="1234567890123456")
    wrong_type = client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="image", media_id=sticker)

    assert_graph_error(caught.value, code=131053, http_status=400, retryable=False)
    # Meta accepts a file of the wrong type for the message and fails it afterwards.
    failed = [s for s in statuses(sim_env.sim) if s["id"] == wrong_type.wamid]
    assert [(s["status"], s["errors"][0]["code"]) for s in failed] == [("failed", 131053)]


def test_it_checks_media_arguments_before_sending(client: CloudApiClient) -> None:
    with pytest.raises(ValueError):
        client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="image", media_id="1", link="https://x.example/a")
    with pytest.raises(ValueError):
        client.send_media(phone_number_id=PHONE, to=CUSTOMER, kind="sticker", media_id="1", caption="no")


def test_it_sends_a_location(sim_env: SimEnv, client: CloudApiClient, window: str) -> None:
    result = client.send_location(phone_number_id=PHONE, to=CUSTOMER, latitude=38.9, longitude=-77.03,
                                  name="Shop", address="1 Main St")

    assert_accepted(result)
    assert sent_body(sim_env, result)["location"] == {"latitude": 38.9, "longitude": -77.03, "name": "Shop",
                                                      "address": "1 Main St"}


def test_it_gets_131009_for_a_location_out_of_range(client: CloudApiClient, window: str) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.send_location(phone_number_id=PHONE, to=CUSTOMER, latitude=91, longitude=0)

    assert_graph_error(caught.value, code=131009, http_status=400, retryable=False,
                       details="location['latitude'] must be between -90 and 90")


def test_it_sends_contact_cards(sim_env: SimEnv, client: CloudApiClient, window: str) -> None:
    card = {"name": {"formatted_name": "Ada Lovelace", "first_name": "Ada"},
            "phones": [{"phone": "+16505550100", "type": "WORK"}], "birthday": "1815-12-10"}

    result = client.send_contacts(phone_number_id=PHONE, to=CUSTOMER, contacts=[card])

    assert_accepted(result)
    assert sent_body(sim_env, result)["contacts"] == [card]


def test_it_reacts_to_a_message_and_removes_the_reaction(sim_env: SimEnv, client: CloudApiClient,
                                                         window: str) -> None:
    added = client.send_reaction(phone_number_id=PHONE, to=CUSTOMER, message_id=window, emoji="👍")
    removed = client.send_reaction(phone_number_id=PHONE, to=CUSTOMER, message_id=window, emoji="")

    assert_accepted(added)
    assert_accepted(removed)
    assert sent_body(sim_env, added)["reaction"] == {"message_id": window, "emoji": "👍"}
    assert sent_body(sim_env, removed)["reaction"] == {"message_id": window, "emoji": ""}
    with pytest.raises(CloudApiError) as caught:
        client.send_reaction(phone_number_id=PHONE, to=CUSTOMER, message_id=window, emoji="ok")
    assert caught.value.code == 131009


def test_it_sends_a_template_with_parameters_and_it_is_priced_by_its_category(sim_env: SimEnv,
                                                                              client: CloudApiClient) -> None:
    template = sim_env.sim.add_template(name=unique("shipping"), category="UTILITY", components=[
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["42"]}},
        {"type": "BODY", "text": "Hi {{1}}, it ships {{2}}.", "example": {"body_text": [["Ada", "today"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Stop"}]},
    ])
    components = [
        {"type": "header", "parameters": [{"type": "text", "text": "42"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "today"}]},
        {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload",
                                                                                    "payload": "STOP"}]},
    ]

    result = client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=template["name"], language="en_US",
                                  components=components, callback_data="tpl-1")

    assert_accepted(result)
    assert sent_body(sim_env, result)["template"] == {"name": template["name"], "language": {"code": "en_US"},
                                                      "components": components}
    sent = [s for s in statuses(sim_env.sim) if s["status"] == "sent"]
    assert sent[0]["pricing"]["category"] == "utility" and sent[0]["pricing"]["type"] == "regular"


def test_it_creates_a_named_parameter_template_and_sends_it_by_parameter_name(sim_env: SimEnv,
                                                                             client: CloudApiClient) -> None:
    name = unique("named")
    client.create_template(waba_id=WABA, name=name, language="en_US", category="UTILITY", parameter_format="NAMED",
                           components=[{"type": "BODY", "text": "Hi {{first_name}}, see you {{day}}.", "example": {
                               "body_text_named_params": [{"param_name": "first_name", "example": "Ada"},
                                                          {"param_name": "day", "example": "Monday"}]}}])
    parameters = [{"type": "text", "parameter_name": "first_name", "text": "Ada"},
                  {"type": "text", "parameter_name": "day", "text": "Friday"}]

    result = client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=name, language="en_US",
                                  components=[{"type": "body", "parameters": parameters}])
    with pytest.raises(CloudApiError) as caught:
        client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=name, language="en_US",
                             components=[{"type": "body", "parameters": parameters[:1]}])

    assert_accepted(result)
    assert caught.value.code == 132000 and caught.value.permanent


def test_it_sends_reply_buttons_and_a_customer_taps_one(sim_env: SimEnv, client: CloudApiClient,
                                                        window: str) -> None:
    interactive = interactive_buttons(body="Is this right?", buttons=[("yes", "Yes"), ("no", "No")],
                                      header={"type": "text", "text": "Check"}, footer="Thanks")

    result = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=interactive)

    assert_accepted(result)
    assert sent_body(sim_env, result)["interactive"] == interactive
    sim_env.sim.customer_button_reply(wa_id=CUSTOMER, context_id=result.wamid, button_id="yes")


def test_it_sends_a_list_and_a_cta_url(sim_env: SimEnv, client: CloudApiClient, window: str) -> None:
    sections = [{"title": "Pizza", "rows": [{"id": "margherita", "title": "Margherita", "description": "Tomato"}]},
                {"title": "Drinks", "rows": [{"id": "cola", "title": "Cola"}]}]
    listing = interactive_list(body="What would you like?", button="Menu", sections=sections,
                               header_text="Order", footer="Open till 10")
    cta = interactive_cta_url(body="Track your parcel", display_text="Track", url="https://example.com/t/42")

    chosen = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=listing)
    link = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=cta)

    assert_accepted(chosen)
    assert_accepted(link)
    assert sent_body(sim_env, chosen)["interactive"]["action"]["sections"] == sections
    assert sent_body(sim_env, link)["interactive"]["action"]["parameters"]["url"] == "https://example.com/t/42"
    sim_env.sim.customer_list_reply(wa_id=CUSTOMER, context_id=chosen.wamid, row_id="cola")


def test_it_sends_a_published_flow_and_a_draft_only_in_draft_mode(sim_env: SimEnv, client: CloudApiClient,
                                                                  window: str) -> None:
    published = client.create_flow(waba_id=WABA, name=unique("Signup"), categories=["SIGN_UP"])
    assert client.upload_flow_json(flow_id=published, flow_json=VALID_FLOW) == []
    assert client.publish_flow(flow_id=published) is True
    draft = client.create_flow(waba_id=WABA, name=unique("Draft"), categories=["OTHER"])
    client.upload_flow_json(flow_id=draft, flow_json=VALID_FLOW)

    result = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=interactive_flow(
        body="Sign up", flow_token="signup:42", flow_cta="Start", flow_id=published, screen="WELCOME",
        data={"name": "Ada"}))
    by_name = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=interactive_flow(
        body="Sign up", flow_token="signup:43", flow_cta="Start", flow_name=client.get_flow(flow_id=published).name))
    draft_send = client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=interactive_flow(
        body="Try", flow_token="draft:1", flow_cta="Try", flow_id=draft, draft=True))
    with pytest.raises(CloudApiError) as caught:
        client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive=interactive_flow(
            body="Try", flow_token="draft:2", flow_cta="Try", flow_id=draft))

    assert_accepted(result)
    assert_accepted(by_name)
    assert_accepted(draft_send)
    assert caught.value.code == 131009 and caught.value.permanent
    sim_env.sim.customer_flow_reply(wa_id=CUSTOMER, context_id=result.wamid, response={"name": "Ada"})


def test_it_marks_an_inbound_message_read_with_the_typing_indicator(client: CloudApiClient, window: str) -> None:
    assert client.mark_read(phone_number_id=PHONE, wamid=window) is True
    assert client.mark_read(phone_number_id=PHONE, wamid=window, typing=True) is True

    with pytest.raises(CloudApiError) as caught:
        client.mark_read(phone_number_id=PHONE, wamid="wamid.not-one-of-ours")
    assert_graph_error(caught.value, code=100, http_status=400, retryable=False)


def test_it_gets_133010_when_the_number_is_not_registered(sim_env: SimEnv, client: CloudApiClient) -> None:
    assert client.deregister(phone_number_id=PHONE) is True

    with pytest.raises(CloudApiError) as caught:
        client.send_template(phone_number_id=PHONE, to=CUSTOMER, name="hello_world", language="en_US")

    assert_graph_error(caught.value, code=133010, http_status=400, retryable=False)
    assert client.register(phone_number_id=PHONE, pin="123456") is True
    assert_accepted(client.send_template(phone_number_id=PHONE, to=CUSTOMER, name="hello_world",
                                         language="en_US"))


def test_it_reports_undeliverable_customers_in_a_failed_webhook(sim_env: SimEnv, client: CloudApiClient) -> None:
    sim_env.sim.mark_undeliverable("16505550404", True)

    result = client.send_template(phone_number_id=PHONE, to="16505550404", name="hello_world", language="en_US")

    failed = [s for s in statuses(sim_env.sim) if s["id"] == result.wamid]
    assert [(s["status"], s["errors"][0]["code"]) for s in failed] == [("failed", 131026)]
