"""The Graph client at the HTTP layer: request shape, Meta's error envelope, network failures."""

import json
import logging

import pytest
import requests

from cloudapi.client import CloudApiClient
from cloudapi.errors import AuthError, CloudApiError, RateLimitedError, ServerError, WindowClosedError

from ..conftest import fixture_bytes, load_fixture
from .conftest import graph_error

BASE = "https://graph.example"
URL = f"{BASE}/v24.0/106540352242922/messages"


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


# --- every topic shares one transport: errors and failures look the same everywhere ---------

WABA = "102290129340398"
TEMPLATES_URL = f"{BASE}/v24.0/{WABA}/message_templates"


def test_it_never_shows_the_token_in_its_repr(client):
    assert "secret-token" not in repr(client)
    assert "graph.example/v24.0" in repr(client)


@pytest.mark.parametrize(
    "call, method, url",
    [
        (lambda c: c.get_template(template_id="1192339204654487"), "GET", f"{BASE}/v24.0/1192339204654487"),
        (lambda c: c.list_templates(waba_id=WABA), "GET", TEMPLATES_URL),
        (lambda c: c.publish_flow(flow_id="flow-1"), "POST", f"{BASE}/v24.0/flow-1/publish"),
        (lambda c: c.delete_media(media_id="1227829768162607"), "DELETE", f"{BASE}/v24.0/1227829768162607"),
    ],
)
def test_it_raises_the_same_auth_error_from_every_topic(client, graph, call, method, url):
    envelope = fixture_bytes("error_190_invalid_token.json")
    graph.add(method, url, body=envelope, status=401, content_type="application/json")

    with pytest.raises(AuthError) as caught:
        call(client)

    assert caught.value.code == 190 and caught.value.permanent


def test_it_marks_the_management_rate_limit_retryable(client, graph):
    graph.get(TEMPLATES_URL, json=graph_error(80007), status=400)

    with pytest.raises(RateLimitedError) as caught:
        client.list_templates(waba_id=WABA)

    assert caught.value.retryable and caught.value.code == 80007


def test_it_keeps_an_unknown_template_send_permanent(client, graph):
    graph.post(URL, json=graph_error(132001, details="template name does not exist in the translation"), status=404)

    with pytest.raises(CloudApiError) as caught:
        client.send_template(phone_number_id="106540352242922", to="+16505551234", name="nope", language="en_US")

    assert (caught.value.code, caught.value.http_status, caught.value.retryable) == (132001, 404, False)
    assert "does not exist" in caught.value.details


def test_it_reports_an_unknown_object_with_its_subcode(client, graph):
    graph.get(f"{BASE}/v24.0/999", json=graph_error(100, subcode=33), status=400)

    with pytest.raises(CloudApiError) as caught:
        client.get_flow(flow_id="999")

    assert (caught.value.code, caught.value.error_subcode, caught.value.permanent) == (100, 33, True)


@pytest.mark.parametrize("status, retryable", [(429, True), (408, True), (503, True), (404, False)])
def test_it_decides_on_the_http_status_when_a_proxy_answers(client, graph, status, retryable):
    graph.get(TEMPLATES_URL, body="<html>busy</html>", status=status, content_type="text/html")

    with pytest.raises(ServerError) as caught:
        client.list_templates(waba_id=WABA)

    assert caught.value.http_status == status
    assert caught.value.retryable is retryable


@pytest.mark.parametrize(
    "failure", [requests.ReadTimeout("slow"), requests.ConnectionError("Connection reset by peer")]
)
def test_it_turns_network_failures_on_management_calls_into_retryable_errors(client, graph, failure):
    graph.post(f"{BASE}/v24.0/{WABA}/flows", body=failure)

    with pytest.raises(ServerError) as caught:
        client.create_flow(waba_id=WABA, name="signup", categories=["SIGN_UP"])

    assert caught.value.retryable


def _create_template(c):
    return c.create_template(waba_id="42", name="n", language="en", category="UTILITY", components=[])


def _upload_media(c):
    return c.upload_media(phone_number_id="42", file=b"x", filename="a.png", mime_type="image/png")


G = f"{BASE}/v24.0/42"


@pytest.mark.parametrize(
    "call, method, url, answer",
    [
        (lambda c: c.get_media(media_id="42"), "GET", G, {"id": "42"}),
        (lambda c: c.get_template(template_id="42"), "GET", G, {"name": "x"}),
        (lambda c: c.get_flow(flow_id="42"), "GET", G, {"id": "42", "validation_errors": "bad"}),
        (lambda c: c.get_phone_number(phone_number_id="42"), "GET", G, {"id": None}),
        (lambda c: c.list_templates(waba_id="42"), "GET", f"{G}/message_templates", {"data": {"a": 1}}),
        (lambda c: c.list_phone_numbers(waba_id="42"), "GET", f"{G}/phone_numbers", {"data": ["x"]}),
        (lambda c: c.get_business_profile(phone_number_id="42"), "GET", f"{G}/whatsapp_business_profile", {}),
        (_create_template, "POST", f"{G}/message_templates", {"status": "PENDING"}),
        (_upload_media, "POST", f"{G}/media", {"h": "not a media id"}),
        (lambda c: c.publish_flow(flow_id="42"), "POST", f"{G}/publish", {"ok": 1}),
        (lambda c: c.create_flow(waba_id="42", name="n", categories=["OTHER"]), "POST", f"{G}/flows", {"id": ["x"]}),
        (lambda c: c.upload_flow_json(flow_id="42", flow_json="{}"), "POST", f"{G}/assets", {"id": "42"}),
    ],
)
def test_it_turns_malformed_success_answers_into_server_errors(client, graph, call, method, url, answer):
    graph.add(method, url, json=answer)

    with pytest.raises(ServerError) as caught:
        call(client)

    assert caught.value.permanent  # the same answer would come back: no point retrying


def test_it_treats_a_json_array_success_as_a_server_error(client, graph):
    graph.get(f"{BASE}/v24.0/42", json=[{"id": "42"}])

    with pytest.raises(ServerError):
        client.get_media(media_id="42")


def test_it_logs_neither_the_token_nor_the_message_body(client, graph, caplog):
    graph.post(URL, json=graph_error(131047), status=400)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(WindowClosedError):
        client.send_text(phone_number_id="106540352242922", to="+16505551234", body="my secret text")

    assert caplog.records, "a failed call leaves a log line"
    assert "secret-token" not in caplog.text and "my secret text" not in caplog.text
    assert "131047" in caplog.text


def test_it_keeps_every_id_inside_one_path_segment(client, graph):
    with pytest.raises(ValueError):
        client.get_media(media_id="")
    graph.get(f"{BASE}/v24.0/..%2Fme", json=load_fixture("media_url_response.json"))

    client.get_media(media_id="../me")

    assert graph.calls[0].request.url == f"{BASE}/v24.0/..%2Fme"


@pytest.mark.parametrize(
    "failure, unknown",
    [
        (requests.ConnectTimeout("slow"), False),  # never reached Meta: safe to send again
        (requests.ReadTimeout("slow"), True),  # Meta may have taken it
        (requests.ConnectionError("reset by peer"), True),
    ],
)
def test_it_says_whether_a_failed_send_may_have_reached_meta(client, graph, failure, unknown):
    graph.post(URL, body=failure)
    with pytest.raises(ServerError) as caught:
        _send(client)
    assert caught.value.outcome_unknown is unknown


def test_a_refused_connection_surely_did_not_reach_meta():
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = CloudApiClient(access_token="t", base_url=f"http://127.0.0.1:{port}", version="v24.0")
    with pytest.raises(ServerError) as caught:
        _send(closed)
    assert caught.value.retryable and not caught.value.outcome_unknown
