"""The Graph client at the HTTP layer: request shape, Meta's error envelope, network failures."""

import json

import pytest
import requests
import responses

from cloudapi.client import CloudApiClient
from cloudapi.errors import AuthError, CloudApiError, RateLimitedError, ServerError, WindowClosedError

from .conftest import fixture_bytes, load_fixture

BASE = "https://graph.example"
URL = f"{BASE}/v24.0/106540352242922/messages"


@pytest.fixture
def client():
    return CloudApiClient(access_token="secret-token", base_url=BASE + "/", version="v24.0")


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


def _send(client):
    return client.send_text(phone_number_id="106540352242922", to="+16505551234", body="hi", callback_data="cb-1")


def test_it_sends_the_request_body_meta_documents(client, graph):
    graph.post(URL, body=fixture_bytes("send_response.json"), content_type="application/json")

    result = _send(client)

    assert result.wamid == load_fixture("send_response.json")["messages"][0]["id"]
    assert result.wa_id == "16505551234"
    sent = json.loads(graph.calls[0].request.body)
    expected = load_fixture("send_request_text.json")
    assert set(expected) <= set(sent)
    assert set(expected["text"]) == set(sent["text"])
    assert sent["biz_opaque_callback_data"] == "cb-1"
    assert graph.calls[0].request.headers["Authorization"] == "Bearer secret-token"


def test_it_turns_a_bad_token_into_a_permanent_auth_error(client, graph):
    graph.post(URL, body=fixture_bytes("error_190_invalid_token.json"), status=401, content_type="application/json")

    with pytest.raises(AuthError) as caught:
        _send(client)

    error = caught.value
    assert (error.code, error.http_status, error.fbtrace_id) == (190, 401, "AbJuG-rMVv36mjw-r78mKwg")
    assert error.permanent
    assert "secret-token" not in str(error) and "secret-token" not in repr(error)


@pytest.mark.parametrize(
    "code, error_class, retryable",
    [
        (130429, RateLimitedError, True),
        (131056, RateLimitedError, True),
        (80007, RateLimitedError, True),
        (4, RateLimitedError, True),
        (131000, CloudApiError, True),
        (131016, CloudApiError, True),
        (131047, WindowClosedError, False),
        (132001, CloudApiError, False),
        (100, CloudApiError, False),
    ],
)
def test_it_classifies_meta_error_codes(client, graph, code, error_class, retryable):
    envelope = {
        "error": {
            "message": f"(#{code}) something",
            "type": "OAuthException",
            "code": code,
            "error_subcode": 2494010,
            "error_data": {"messaging_product": "whatsapp", "details": "the details"},
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
        }
    }
    graph.post(URL, json=envelope, status=400)

    with pytest.raises(error_class) as caught:
        _send(client)

    assert caught.value.code == code
    assert caught.value.retryable is retryable
    assert caught.value.details == "the details"
    assert caught.value.error_subcode == 2494010


@pytest.mark.parametrize(
    "failure", [requests.ConnectTimeout("slow"), requests.ReadTimeout("slow"), requests.ConnectionError("reset")]
)
def test_network_failures_are_retryable_server_errors(client, graph, failure):
    graph.post(URL, body=failure)
    with pytest.raises(ServerError) as caught:
        _send(client)
    assert caught.value.retryable
    assert caught.value.code is None


@pytest.mark.parametrize(
    "status, body, retryable",
    [(502, "<html>Bad gateway</html>", True), (200, "not json", True), (400, "[]", False)],
)
def test_malformed_answers_become_errors(client, graph, status, body, retryable):
    graph.post(URL, body=body, status=status)
    with pytest.raises(CloudApiError) as caught:
        _send(client)
    assert caught.value.retryable is retryable


def test_a_success_without_a_message_id_is_an_error(client, graph):
    graph.post(URL, json={"messaging_product": "whatsapp", "contacts": [], "messages": []})
    with pytest.raises(ServerError, match="no message id"):
        _send(client)


def test_mark_read_sends_the_typing_indicator_body(client, graph):
    graph.post(URL, json={"success": True})

    assert client.mark_read(phone_number_id="106540352242922", wamid="wamid.in", typing=True) is True

    body = json.loads(graph.calls[0].request.body)
    expected = load_fixture("mark_read_typing_indicator_request.json")
    assert set(body) == set(expected)
    assert body["typing_indicator"] == {"type": "text"}
