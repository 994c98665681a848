"""Sending every message type: the body Meta documents (docs/cloudapi.md §1) and the result."""

import json

import pytest
import responses

from cloudapi.client import (
    SendResult,
    interactive_buttons,
    interactive_cta_url,
    interactive_flow,
    interactive_list,
)
from cloudapi.errors import ServerError

from ..conftest import fixture_bytes, load_fixture

BASE = "https://graph.example"
PHONE = "106540352242922"
URL = f"{BASE}/v24.0/{PHONE}/messages"
TO = "+16505551234"
WAMID = load_fixture("send_response.json")["messages"][0]["id"]


@pytest.fixture
def graph(graph):
    """Meta accepts every send with its documented answer."""
    graph.post(URL, body=fixture_bytes("send_response.json"), content_type="application/json")
    return graph


def sent_body(graph) -> dict:
    request = graph.calls[-1].request
    assert request.headers["Authorization"] == "Bearer secret-token"
    return json.loads(request.body)


def envelope(kind: str, obj, **extra) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, "type": kind, kind: obj, **extra}


def test_it_sends_text_exactly_as_meta_documents(client, graph):
    to = "{{Recipient-Phone-Number}}"

    result = client.send_text(phone_number_id=PHONE, to=to, body="text-message-content")

    assert sent_body(graph) == load_fixture("send_request_text.json")
    assert result == SendResult(wamid=WAMID, wa_id="16505551234", input="+16505551234")


def test_it_sends_a_quoted_reply_with_our_callback_data(client, graph):
    client.send_text(phone_number_id=PHONE, to=TO, body="yes", reply_to="wamid.IN", callback_data="uuid-1")

    body = sent_body(graph)
    assert body["context"] == {"message_id": "wamid.IN"}
    assert body["biz_opaque_callback_data"] == "uuid-1"


def test_it_sends_an_image_by_id_with_a_caption(client, graph):
    client.send_media(phone_number_id=PHONE, to=TO, kind="image", media_id="1227829768162607", caption="Menu")

    assert sent_body(graph) == envelope("image", {"id": "1227829768162607", "caption": "Menu"})


def test_it_sends_a_document_by_link_with_its_filename(client, graph):
    client.send_media(
        phone_number_id=PHONE,
        to=TO,
        kind="document",
        link="https://example.com/invoice.pdf?v=2",
        filename="invoice.pdf",
        reply_to="wamid.IN",
        callback_data="uuid-2",
    )

    assert sent_body(graph) == envelope(
        "document",
        {"link": "https://example.com/invoice.pdf?v=2", "filename": "invoice.pdf"},
        context={"message_id": "wamid.IN"},
        biz_opaque_callback_data="uuid-2",
    )


@pytest.mark.parametrize("kind", ["audio", "video", "sticker"])
def test_it_sends_other_media_kinds_by_id(client, graph, kind):
    client.send_media(phone_number_id=PHONE, to=TO, kind=kind, media_id="77")

    assert sent_body(graph)[kind] == {"id": "77"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "image"},  # neither id nor link
        {"kind": "image", "media_id": "1", "link": "https://x.example/a.png"},
        {"kind": "audio", "media_id": "1", "caption": "no captions on audio"},
        {"kind": "image", "media_id": "1", "filename": "only documents have names"},
        {"kind": "gif", "media_id": "1"},
    ],
)
def test_it_refuses_media_bodies_meta_would_reject(client, kwargs):
    with responses.RequestsMock() as graph:
        with pytest.raises(ValueError):
            client.send_media(phone_number_id=PHONE, to=TO, **kwargs)
        assert not graph.calls


def test_it_sends_a_location_with_name_and_address(client, graph):
    place = {"latitude": 37.483307, "longitude": -122.148981, "name": "Pablo Morales", "address": "1 Hacker Way"}

    client.send_location(phone_number_id=PHONE, to=TO, **place)

    assert sent_body(graph) == envelope("location", place)


def test_it_sends_contact_cards(client, graph):
    card = {
        "name": {"formatted_name": "Barbara J. Johnson", "first_name": "Barbara"},
        "phones": [{"phone": "+16505559999", "type": "HOME", "wa_id": "16505559999"}],
        "birthday": "1999-01-23",
    }

    client.send_contacts(phone_number_id=PHONE, to=TO, contacts=[card])

    assert sent_body(graph) == envelope("contacts", [card])


def test_it_sends_and_removes_a_reaction(client, graph):
    client.send_reaction(phone_number_id=PHONE, to=TO, message_id="wamid.IN", emoji="\U0001f44d")
    client.send_reaction(phone_number_id=PHONE, to=TO, message_id="wamid.IN", emoji="")

    assert json.loads(graph.calls[0].request.body)["reaction"] == {"message_id": "wamid.IN", "emoji": "\U0001f44d"}
    assert sent_body(graph)["reaction"] == {"message_id": "wamid.IN", "emoji": ""}


def test_it_sends_a_template_exactly_as_meta_documents(client, graph):
    expected = load_fixture("send_request_template.json")
    template = expected["template"]

    client.send_template(
        phone_number_id=PHONE,
        to=expected["to"],
        name=template["name"],
        language=template["language"]["code"],
        components=template["components"],
    )

    assert sent_body(graph) == expected


def test_it_reads_the_pacing_status_of_a_template_send(client):
    answer = load_fixture("send_response.json")
    answer["messages"][0]["message_status"] = "accepted"
    with responses.RequestsMock() as graph:
        graph.post(URL, json=answer)

        result = client.send_template(phone_number_id=PHONE, to=TO, name="hello_world", language="en_US")

        assert result.message_status == "accepted"
        template = json.loads(graph.calls[0].request.body)["template"]
        assert template == {"name": "hello_world", "language": {"code": "en_US"}}


def test_it_sends_reply_buttons_exactly_as_meta_documents(client, graph):
    expected = load_fixture("send_request_interactive_buttons.json")
    interactive = interactive_buttons(
        header={"type": "image", "image": {"id": "2762702990552401"}},
        body=expected["interactive"]["body"]["text"],
        footer=expected["interactive"]["footer"]["text"],
        buttons=[("change-button", "Change"), ("cancel-button", "Cancel")],
    )

    client.send_interactive(phone_number_id=PHONE, to=expected["to"], interactive=interactive)

    assert sent_body(graph) == expected


def test_it_builds_a_list_message(client, graph):
    sections = [{"title": "Shipping", "rows": [{"id": "priority", "title": "Priority", "description": "2 days"}]}]
    interactive = interactive_list(body="Pick one", button="Options", sections=sections, header_text="Shipping")

    client.send_interactive(phone_number_id=PHONE, to=TO, interactive=interactive, callback_data="uuid-3")

    body = sent_body(graph)
    assert body["interactive"] == {
        "type": "list",
        "header": {"type": "text", "text": "Shipping"},
        "body": {"text": "Pick one"},
        "action": {"button": "Options", "sections": sections},
    }
    assert body["biz_opaque_callback_data"] == "uuid-3"


def test_it_builds_a_cta_url_message(client, graph):
    interactive = interactive_cta_url(
        body="Track it", display_text="Open", url="https://example.com/t/1", footer="Acme"
    )

    client.send_interactive(phone_number_id=PHONE, to=TO, interactive=interactive)

    assert sent_body(graph)["interactive"] == {
        "type": "cta_url",
        "body": {"text": "Track it"},
        "footer": {"text": "Acme"},
        "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://example.com/t/1"}},
    }


def test_it_builds_a_draft_flow_message(client, graph):
    interactive = interactive_flow(
        body="Sign up",
        flow_token="acct-1:msg-9",
        flow_cta="Start",
        flow_id="1234",
        screen="WELCOME",
        data={"plan": "pro"},
        draft=True,
    )

    client.send_interactive(phone_number_id=PHONE, to=TO, interactive=interactive)

    assert sent_body(graph)["interactive"]["action"] == {
        "name": "flow",
        "parameters": {
            "flow_message_version": "3",
            "flow_token": "acct-1:msg-9",
            "flow_cta": "Start",
            "flow_action": "navigate",
            "flow_id": "1234",
            "flow_action_payload": {"screen": "WELCOME", "data": {"plan": "pro"}},
            "mode": "draft",
        },
    }


def test_it_needs_exactly_one_way_to_name_a_flow():
    with pytest.raises(ValueError):
        interactive_flow(body="b", flow_token="t", flow_cta="Go", flow_id="1", flow_name="signup")
    with pytest.raises(ValueError):
        interactive_flow(body="b", flow_token="t", flow_cta="Go")


def test_it_keeps_the_generic_sender_for_any_type(client, graph):
    payload = {"to": TO, "type": "interactive", "interactive": {"type": "location_request_message"}}

    result = client.send_message(phone_number_id=PHONE, payload=payload)

    assert sent_body(graph) == {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
    assert result.wamid == WAMID


def test_it_marks_read_without_a_typing_indicator(client):
    with responses.RequestsMock() as graph:
        graph.post(URL, json={"success": True})

        assert client.mark_read(phone_number_id=PHONE, wamid="wamid.in") is True

        assert json.loads(graph.calls[0].request.body) == {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.in",
        }


def test_it_calls_a_read_receipt_answer_without_success_malformed(client):
    with responses.RequestsMock() as graph:
        graph.post(URL, json={"messaging_product": "whatsapp"})

        with pytest.raises(ServerError):
            client.mark_read(phone_number_id=PHONE, wamid="wamid.in")
