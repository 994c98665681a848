"""The Cloud API simulator: Meta's shapes and codes over real HTTP, webhooks signed and retried."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from cloudapi.simulator import Simulator, serve

from .simulator_http import (
    CUSTOMER,
    customer_writes,
    FakeClock,
    fixture,
    handle_send,
    HI,
    make_sim,
    PHONE_NUMBER_ID,
    ROOT,
    send,
    shape,
    statuses,
    text_message,
    TOKEN,
    verify,
    wait_for,
)


# -- sending ----------------------------------------------------------------------------


def test_it_accepts_a_text_message_with_metas_response_shape(server: str, sim: Simulator) -> None:
    response = send(server, text_message())

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert shape(body) == shape(fixture("send_response.json"))
    assert body["contacts"] == [{"input": "+1 (650) 555-1234", "wa_id": CUSTOMER}]
    assert body["messages"][0]["id"].startswith("wamid.")
    [sent] = sim.sent_messages()
    assert (sent["wamid"], sent["to"], sent["type"]) == (body["messages"][0]["id"], CUSTOMER, "text")
    assert sent["body"]["text"]["body"] == "Hello there"


def test_it_gives_every_message_its_own_wamid(server: str) -> None:
    ids = {send(server, text_message()).json()["messages"][0]["id"] for _ in range(3)}

    assert len(ids) == 3


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_it_rejects_a_missing_or_wrong_token_with_190(server: str, sim: Simulator, token: str | None) -> None:
    response = send(server, text_message(), token=token)

    assert response.status_code == 401
    error = response.json()["error"]
    assert error.keys() == fixture("error_190_invalid_token.json")["error"].keys()
    assert error["code"] == 190
    assert error["type"] == "OAuthException"
    assert error["message"] == "Invalid OAuth access token - Cannot parse access token"
    assert len(error["fbtrace_id"]) >= 20
    assert sim.sent_messages() == []


def test_it_answers_100_33_for_an_unknown_phone_number_id(server: str) -> None:
    response = send(server, text_message(), number_id="999999999999999")

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (100, 33, "GraphMethodException")
    assert error["message"].startswith("Unsupported post request. Object with ID '999999999999999' does not exist")


def test_it_answers_100_33_for_another_graph_path_and_404_off_graph(server: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}

    graph = requests.get(f"{server}/v24.0/{PHONE_NUMBER_ID}/message_templates", headers=auth, timeout=5)
    elsewhere = requests.get(f"{server}/nowhere", timeout=5)

    assert graph.status_code == 400
    assert graph.json()["error"]["message"].startswith("Unsupported get request.")
    assert (graph.json()["error"]["code"], graph.json()["error"]["error_subcode"]) == (100, 33)
    assert elsewhere.status_code == 404
    assert "error" in elsewhere.json()


@pytest.mark.parametrize(
    "body",
    [
        {"to": CUSTOMER, "type": "text", "text": {"body": "hi"}},
        {"messaging_product": "sms", "to": CUSTOMER, "text": {"body": "hi"}},
        b"this is not json",
        [1, 2],
    ],
)
def test_it_requires_messaging_product_whatsapp(server: str, body: Any) -> None:
    response = send(server, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert "messaging_product" in error["message"]
    assert error["error_data"]["messaging_product"] == "whatsapp"


@pytest.mark.parametrize("text", [{}, {"body": ""}, None])
def test_it_answers_131008_when_the_text_body_is_missing(server: str, text: Any) -> None:
    message = text_message()
    message["text"] = text

    response = send(server, message)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 131008
    assert "text['body'] is required" in error["error_data"]["details"]


def test_it_answers_131008_when_to_is_missing(server: str) -> None:
    message = text_message()
    del message["to"]

    response = send(server, message)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 131008
    assert "to" in response.json()["error"]["error_data"]["details"]


def test_it_rejects_text_longer_than_4096_characters(server: str) -> None:
    too_long = send(server, text_message("x" * 4097))
    at_limit = send(server, text_message("x" * 4096))

    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == 100
    assert too_long.json()["error"]["error_data"]["details"] == "Message text is too long; max 4096"
    assert at_limit.status_code == 200


@pytest.mark.parametrize(
    ("changes", "details"),
    [
        ({"to": "12ab"}, "Invalid parameter: to"),
        ({"to": "123"}, "Invalid parameter: to"),
        ({"type": "carrier_pigeon"}, "Invalid parameter: type"),
        ({"type": "image", "image": "cat.png"}, "Invalid parameter: image"),
        ({"biz_opaque_callback_data": "x" * 513}, "biz_opaque_callback_data is too long; max 512"),
    ],
)
def test_it_rejects_invalid_parameters_with_100(server: str, changes: dict[str, Any], details: str) -> None:
    response = send(server, {**text_message(), **changes})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
    assert response.json()["error"]["error_data"]["details"].startswith(details)


def test_it_accepts_other_types_when_their_object_is_present(server: str, sim: Simulator) -> None:
    image = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "image",
             "image": {"link": "https://example.test/a.png"}}
    missing = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "location"}

    assert send(server, image).status_code == 200
    assert send(server, missing).json()["error"]["code"] == 131008
    assert [m["type"] for m in sim.sent_messages()] == ["image"]


# -- 24-hour window and status webhooks --------------------------------------------------


def test_it_accepts_a_send_outside_the_window_then_fails_it_with_131047(server: str, sim: Simulator) -> None:
    response = send(server, text_message())

    assert response.status_code == 200
    [failed] = statuses(sim.take_webhooks())
    assert failed["status"] == "failed"
    assert failed["id"] == response.json()["messages"][0]["id"]
    assert failed["recipient_id"] == CUSTOMER
    [error] = failed["errors"]
    assert error.keys() == fixture("error_131047_object.json").keys()
    assert error == fixture("error_131047_object.json")
    assert "pricing" not in failed


def test_it_sends_sent_delivered_read_in_order_when_the_customer_wrote_recently(
    server: str, sim: Simulator
) -> None:
    customer_writes(sim)

    response = send(server, text_message(biz_opaque_callback_data="order-42"))

    assert response.status_code == 200
    found = statuses(sim.take_webhooks())  # verify() checks every signature with hmac
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert {s["id"] for s in found} == {response.json()["messages"][0]["id"]}
    assert all(s["biz_opaque_callback_data"] == "order-42" for s in found)
    assert [int(s["timestamp"]) for s in found] == sorted(int(s["timestamp"]) for s in found)
    assert found[0]["pricing"] == {
        "billable": True, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"
    }
    assert "pricing" in found[1] and "pricing" not in found[2]
    assert all("conversation" not in s for s in found)


def test_it_closes_the_window_24_hours_after_the_customer_wrote() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock)
    customer_writes(simulator)
    clock.advance(24 * 3600 + 1)
    simulator.take_webhooks()

    assert handle_send(simulator) == 200

    assert [s["status"] for s in statuses(simulator.take_webhooks())] == ["failed"]
    simulator.close()


def test_it_does_not_open_the_window_for_a_backdated_message(sim: Simulator) -> None:
    yesterday = int(time.time()) - 25 * 3600
    customer_writes(sim, timestamp=yesterday)
    [(body, headers)] = sim.take_webhooks()
    assert verify(body, headers)["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] == str(yesterday)

    handle_send(sim)

    assert [s["status"] for s in statuses(sim.take_webhooks())] == ["failed"]


def test_it_delivers_templates_outside_the_window_with_utility_pricing(server: str, sim: Simulator) -> None:
    sim.add_template(name="order_update", language="en_US", category="UTILITY")
    template = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template",
                "template": {"name": "order_update", "language": {"code": "en_US"}}}

    assert send(server, template).status_code == 200

    found = statuses(sim.take_webhooks())
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert found[0]["pricing"]["type"] == "regular"
    assert found[0]["pricing"]["category"] == "utility"


# -- inbound messages and mark as read ---------------------------------------------------


def test_it_sends_an_inbound_webhook_shaped_like_metas(server: str, sim: Simulator) -> None:
    response = requests.post(f"{server}/_sim/inbound", timeout=5, json={
        "phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "name": "Sheena Nelson",
        "message": {"type": "text", "text": {"body": "Does it come in another color?"}}})

    assert response.status_code == 200
    [(body, headers)] = sim.take_webhooks()
    payload = verify(body, headers)
    assert body == json.dumps(payload, separators=(",", ":")).encode()
    reference = fixture("webhook_message_text.json")
    assert shape(payload) == shape(reference)
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["id"] == response.json()["id"]
    assert message["from"] == CUSTOMER
    assert payload["entry"][0]["id"] == "102290129340398"
    assert payload["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] == "Sheena Nelson"


@pytest.mark.parametrize(
    "body",
    [
        {"phone_number_id": "999", "from": CUSTOMER, "message": HI},
        {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "message": {"text": {"body": "hi"}}},
        {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "message": {"type": "smoke_signal"}},
        {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "message": {"type": "image", "image": "x"}},
        {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "message": {"type": "text", "text": {"body": ""}}},
        {"phone_number_id": PHONE_NUMBER_ID, "from": "not-a-number", "message": HI},
        {"phone_number_id": PHONE_NUMBER_ID, "message": HI},
        "not an object",
    ],
)
def test_it_answers_400_for_bad_simulated_inbound_input(server: str, sim: Simulator, body: Any) -> None:
    response = requests.post(f"{server}/_sim/inbound", json=body, timeout=5)

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str) and response.json()["error"]
    assert sim.take_webhooks() == []


def test_it_raises_a_readable_value_error_for_an_unknown_number(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="999"):
        sim.inbound(phone_number_id="999", wa_id=CUSTOMER, name="x", message=HI)


def test_it_marks_an_inbound_message_read_and_rejects_unknown_ids(server: str, sim: Simulator) -> None:
    wamid = customer_writes(sim)
    request = fixture("mark_read_typing_indicator_request.json")

    known = send(server, {**request, "message_id": wamid})
    unknown = send(server, request)

    assert (known.status_code, known.json()) == (200, {"success": True})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100
    assert unknown.json()["error"]["error_data"]["details"] == "Invalid message_id"


# -- delivery --------------------------------------------------------------------------


class Receiver:
    """A tiny webhook endpoint answering with the queued status codes (then 200)."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = list(codes)
        self.received: list[tuple[bytes, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, dict(self.headers.items())))
                code = receiver.codes.pop(0) if receiver.codes else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/whatsapp/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_it_posts_webhooks_to_the_receiver_retrying_after_a_500_and_in_order() -> None:
    receiver = Receiver([500])
    simulator = make_sim(webhook_url=receiver.url, auto_dispatch=True)
    running = serve(simulator)
    try:
        requests.post(f"{running.url}/_sim/inbound", timeout=5, json={
            "phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "name": "Sheena",
            "message": {"type": "text", "text": {"body": "hi"}}})

        wait_for(lambda: simulator.webhook_log()[0]["state"] == "delivered")

        assert len(receiver.received) == 2
        first, second = receiver.received
        assert first[0] == second[0]
        payload = verify(second[0], second[1])
        assert payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"] == {"body": "hi"}
        [entry] = simulator.webhook_log()
        assert (entry["attempts"], entry["last_error"]) == (2, "")

        send(running.url, text_message())

        def posted_statuses() -> list[str]:  # batched: due within the batch interval, they share a POST
            return [status["status"] for body, headers in receiver.received[2:]
                    for entry in verify(body, headers)["entry"] for change in entry["changes"]
                    for status in change["value"]["statuses"]]

        wait_for(lambda: len(posted_statuses()) == 3)
        assert posted_statuses() == ["sent", "delivered", "read"]
    finally:
        running.shutdown()
        receiver.close()
        simulator.close()


def test_it_gives_up_after_eight_failed_attempts() -> None:
    receiver = Receiver([500] * 8)
    clock = FakeClock()
    simulator = make_sim(webhook_url=receiver.url, clock=clock)
    customer_writes(simulator)
    try:
        for _ in range(10):
            simulator.deliver_due_webhooks()
            clock.advance(200)

        [entry] = simulator.webhook_log()
        assert (entry["state"], entry["attempts"], entry["last_error"]) == ("failed", 8, "HTTP 500")
        assert len(receiver.received) == 8
    finally:
        receiver.close()
        simulator.close()


# -- state, logs, process --------------------------------------------------------------


def test_it_keeps_state_across_restarts_with_a_file_db(tmp_path: Path) -> None:
    db = str(tmp_path / "simulator.sqlite3")
    first = make_sim(db_path=db)
    wamid = customer_writes(first)
    handle_send(first)
    first.close()

    second = make_sim(db_path=db)
    running = serve(second)
    try:
        assert [m["to"] for m in second.sent_messages()] == [CUSTOMER]
        read = send(running.url, {"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
        assert read.json() == {"success": True}
        second.take_webhooks()
        send(running.url, text_message())  # the window opened before the restart is still open
        assert [s["status"] for s in statuses(second.take_webhooks())] == ["sent", "delivered", "read"]
        assert TOKEN not in (tmp_path / "simulator.sqlite3").read_bytes().decode(errors="replace")
    finally:
        running.shutdown()
        second.close()


def test_it_never_puts_the_token_in_the_request_log(server: str, sim: Simulator) -> None:
    send(server, text_message())
    send(server, {**text_message(), "access_token": TOKEN})
    send(server, text_message(), token=TOKEN + "-wrong")

    log = requests.get(f"{server}/_sim/log", timeout=5)

    assert log.status_code == 200
    assert [entry["status"] for entry in log.json()["requests"]] == [200, 200, 401]
    assert TOKEN not in log.text
    assert TOKEN not in json.dumps(sim.request_log())
    assert {"requests", "webhooks", "messages"} <= log.json().keys()


def test_it_resets_everything_but_the_numbers(server: str, sim: Simulator) -> None:
    send(server, text_message())

    response = requests.post(f"{server}/_sim/reset", timeout=5)

    assert response.json() == {"reset": True}
    assert sim.sent_messages() == sim.webhook_log() == sim.request_log() == []
    assert send(server, text_message()).status_code == 200
    assert requests.get(f"{server}/_sim/health", timeout=5).json() == {"ok": True}


def _run_module(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "cloudapi.simulator", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_it_refuses_to_bind_to_a_non_loopback_host() -> None:
    process = _run_module("--host", "0.0.0.0", "--port", "0")
    _, stderr = process.communicate(timeout=10)

    assert process.returncode != 0
    assert "--allow-remote" in stderr


def test_it_runs_from_the_command_line_and_stops_cleanly_on_sigterm() -> None:
    process = _run_module("--port", "0", "--webhook-url", "")
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        url = line.split("listening on ", 1)[1].split()[0]
        assert requests.get(f"{url}/_sim/health", timeout=5).json() == {"ok": True}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert "sim-demo" not in line
