"""A simulated customer opens a flow: the simulator plays Meta against our data endpoint with real crypto
(the key our Settings service uploaded), then sends the nfm_reply webhook."""

import json

import pytest
import requests
from django.conf import settings as django_settings

from accounts.models import FlowKey
from cloudapi import flow_crypto
from cloudapi.simulator.flow_customer import FlowEndpointError
from messaging.models import Conversation, FlowResponse
from messaging.services.flow_tokens import issue_flow_token

from ..conftest import PHONE_NUMBER_ID
from .conftest import FLOW_CUSTOMER, through_django

pytestmark = pytest.mark.django_db
WA_ID = FLOW_CUSTOMER


@pytest.fixture
def booking(booking, phone):
    """The published appointment flow (tests/messaging/conftest.py), sent to the customer with a token."""
    flow, slot, api, flow_id = booking["flow"], booking["slot"], booking["api"], booking["flow"].flow_id
    token = issue_flow_token(flow=flow, phone_number=phone, conversation=Conversation.objects.get())
    sent = api.send_interactive(phone_number_id=PHONE_NUMBER_ID, to=f"+{WA_ID}", interactive={
        "type": "flow", "body": {"text": "Book a time"},
        "action": {"name": "flow", "parameters": {"flow_message_version": "3", "flow_token": token.token,
                                                   "flow_id": flow_id, "flow_cta": "Book", "flow_action": "data_exchange"}},
    })
    return {"flow": flow, "slot": slot, "token": token, "wamid": sent.wamid}


def test_the_customer_books_through_our_endpoint_and_the_answer_arrives(client, simulator, booking, deliver_webhooks):
    result = simulator.customer_open_flow(wa_id=WA_ID, context_id=booking["wamid"], post=through_django(client))

    assert result["screens"] == ["DATE", "TIME"]
    assert [s["status"] for s in simulator.flow_sessions()[0]["steps"]] == [200, 200, 200]
    assert simulator.flow_sessions()[0]["outcome"] == "completed"
    booking["slot"].refresh_from_db()
    assert booking["slot"].booked_by == booking["token"]

    assert set(deliver_webhooks(simulator)) == {200}
    answer = FlowResponse.objects.get()
    assert answer.flow_token == booking["token"].token and answer.response["appointment"] == str(booking["slot"].pk)

    with pytest.raises(FlowEndpointError, match="427") as refused:  # the token is used up
        simulator.customer_open_flow(wa_id=WA_ID, context_id=booking["wamid"], post=through_django(client))
    assert refused.value.status == 427


def test_metas_ping_and_what_meta_would_not_open(client, simulator, booking, phone):
    assert simulator.ping_flow_endpoint(booking["flow"].flow_id, post=through_django(client)) == {
        "data": {"status": "active"}}

    phone.flow_keys.update(state="retired")  # our side lost its key: 421, Meta retries once, then gives up
    with pytest.raises(FlowEndpointError, match="421"):
        simulator.customer_open_flow(wa_id=WA_ID, context_id=booking["wamid"], post=through_django(client))
    assert [s["status"] for s in simulator.flow_sessions()[-1]["steps"]] == [421, 421]

    simulator._store.delete("encryption", PHONE_NUMBER_ID)
    with pytest.raises(ValueError, match="No business public key"):
        simulator.customer_open_flow(wa_id=WA_ID, context_id=booking["wamid"], post=through_django(client))


def test_the_simulator_page_offers_the_command_and_refuses_bad_input(simulator, booking):
    base = django_settings.GRAPH_API_BASE_URL
    page = requests.get(f"{base}/_sim/", timeout=5).text
    assert "Customer opens the flow" in page and booking["wamid"] in page

    unknown = requests.post(f"{base}/_sim/inbound/flow_open", json={"from": WA_ID, "context_id": "wamid.none"},
                            timeout=5)
    bad_answers = requests.post(f"{base}/_sim/inbound/flow_open", data={"from": WA_ID, "context_id": booking["wamid"],
                                                                        "answers": "[1]"}, timeout=5)
    assert unknown.status_code == 400 and "No message" in unknown.json()["error"]
    assert bad_answers.status_code == 400 and "answers" in bad_answers.json()["error"]


def test_a_data_api_4_flow_carries_a_token_signature_our_endpoint_accepts(client, simulator, booking):
    flow = simulator._store.get("flow", booking["flow"].flow_id)
    simulator._store.put("flow", flow["id"], {**flow, "data_api_version": "4.0", "json_version": "7.3"},
                         owner=flow["waba_id"])
    seen = []

    def spy(url, body, headers):
        seen.append(body)
        return through_django(client)(url, body, headers)

    result = simulator.customer_open_flow(wa_id=WA_ID, context_id=booking["wamid"], post=spy)

    assert result["screens"] == ["DATE", "TIME"] and len(seen) == 3  # INIT, DATE → TIME, TIME → SUCCESS
    private = flow_crypto.load_private_key(FlowKey.objects.get().private_key)
    first = flow_crypto.decrypt_request(json.loads(seen[0]), [(1, private)]).payload
    assert first["version"] == "4.0" and first["flow_token_signature"].count(".") == 2  # checked by our side
