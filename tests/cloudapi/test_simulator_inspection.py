"""Inspecting and running the simulator: the /_sim/ page and log, reset, state across restarts,
and the management commands that refuse unless the simulator is enabled."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command

from cloudapi.simulator import Simulator, serve
from cloudapi.simulator.__main__ import config_from_args, parse_args

from .simulator_http import (
    APP_ID,
    CUSTOMER,
    PHONE_NUMBER_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    Api,
    customer_writes,
    make_sim,
    number,
)

SECRET_TEXT = "the customer's secret order text"


def test_it_shows_requests_webhooks_and_templates_on_a_plain_html_page(server: str, api: Api, sim: Simulator) -> None:
    customer_writes(sim)
    api.send({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": SECRET_TEXT},
              "biz_opaque_callback_data": "order-77"})
    api.get(f"/{WABA_ID}/message_templates", params={"access_token": TOKEN})

    page = requests.get(f"{server}/_sim/", timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<script" not in page.text
    assert f"/v24.0/{PHONE_NUMBER_ID}/messages" in page.text
    assert "hello_world" in page.text and "APPROVED" in page.text
    assert "order-77" in page.text and "pending" in page.text
    assert "<form method='post' action='/_sim/reset'>" in page.text
    assert TOKEN not in page.text and SECRET not in page.text and SECRET_TEXT not in page.text


def test_its_reset_button_resets_and_comes_back_to_the_page(server: str, api: Api, sim: Simulator) -> None:
    api.send({"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}})

    response = requests.post(f"{server}/_sim/reset", data={}, allow_redirects=False, timeout=5,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert (response.status_code, response.headers["Location"]) == (303, "/_sim/")
    assert sim.sent_messages() == [] and sim.request_log() == []
    assert [t["name"] for t in sim.templates()] == ["hello_world"]


def test_its_log_has_templates_faults_and_a_limit(server: str, api: Api) -> None:
    for _ in range(3):
        api.get(f"/{PHONE_NUMBER_ID}")

    log = requests.get(f"{server}/_sim/log", params={"limit": 2}, timeout=5).json()

    assert {"requests", "webhooks", "messages", "templates", "faults"} <= set(log)
    assert len(log["requests"]) == 2
    assert log["templates"][0]["name"] == "hello_world"
    assert log["faults"]["error_rate"] == 0.0
    assert requests.post(f"{server}/_sim/log", timeout=5).status_code == 405
    assert requests.get(f"{server}/_sim/nowhere", timeout=5).status_code == 404


def test_it_keeps_templates_media_flows_and_account_state_across_restarts(tmp_path: Path) -> None:
    db = str(tmp_path / "simulator.sqlite3")
    first = make_sim(db_path=db, template_review_delay=0)
    running = serve(first)
    api = Api(running.url)
    template_id = api.post(f"/{WABA_ID}/message_templates", json={
        "name": "kept", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Still here."}]}).json()["id"]
    media_id = api.post(f"/{PHONE_NUMBER_ID}/media", data={"messaging_product": "whatsapp"},
                        files={"file": ("a.png", b"\x89PNGkept", "image/png")}).json()["id"]
    flow_id = api.post(f"/{WABA_ID}/flows", json={"name": "kept", "categories": ["OTHER"]}).json()["id"]
    api.post(f"/{PHONE_NUMBER_ID}/whatsapp_business_profile", json={"messaging_product": "whatsapp",
                                                                     "about": "Open 9 to 5"})
    api.post(f"/{PHONE_NUMBER_ID}/deregister")
    first.mark_undeliverable("16505550000")
    running.shutdown()
    first.close()

    second = make_sim(db_path=db)
    running = serve(second)
    try:
        api = Api(running.url)
        info = api.get(f"/{media_id}").json()
        assert api.get(f"/{template_id}").json()["status"] == "APPROVED"
        assert requests.get(info["url"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).content == \
            b"\x89PNGkept"
        assert api.get(f"/{flow_id}").json()["name"] == "kept"
        assert api.get(f"/{PHONE_NUMBER_ID}/whatsapp_business_profile", params={"fields": "about"}).json() == {
            "data": [{"about": "Open 9 to 5", "messaging_product": "whatsapp"}]}
        assert api.get(f"/{PHONE_NUMBER_ID}", params={"fields": "status"}).json()["status"] == "DISCONNECTED"
        assert [t["name"] for t in second.templates()] == ["hello_world", "kept"]  # seeded once only
        raw = (tmp_path / "simulator.sqlite3").read_bytes()
        assert TOKEN.encode() not in raw and SECRET.encode() not in raw
    finally:
        running.shutdown()
        second.close()


def test_it_opens_a_db_file_written_before_the_fault_column_existed(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE request_log (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, "
                     "method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, body TEXT, response TEXT)")
    simulator = make_sim(db_path=str(db))

    simulator.handle("GET", f"/v24.0/{PHONE_NUMBER_ID}", {"Authorization": f"Bearer {TOKEN}"}, b"", {})

    assert simulator.request_log()[0]["fault"] == ""
    simulator.close()


# -- the command line and management commands -------------------------------------------------


def test_its_command_line_sets_faults_review_and_limits() -> None:
    args = parse_args(["--faults", "lost_rate=0.1; seed=3", "--review-delay", "0", "--review-outcome", "manual",
                       "--mps", "5", "--pair-limit", "2"])

    config = config_from_args(args, number())

    assert (config.faults.lost_rate, config.faults.seed) == (0.1, 3)
    assert (config.template_review_delay, config.template_review_outcome) == (0.0, "manual")
    assert (config.numbers[0].mps, config.pair_rate_limit) == (5, 2)
    with pytest.raises(SystemExit):
        parse_args(["--faults", "explode"])


@pytest.mark.parametrize("command", ["run_simulator", "simulate_inbound"])
def test_the_management_commands_refuse_unless_the_simulator_is_enabled(settings: Any, command: str) -> None:
    settings.SIMULATOR_ENABLED = False
    arguments = ["--from", CUSTOMER, "--text", "hi"] if command == "simulate_inbound" else []

    with pytest.raises(CommandError, match="SIMULATOR_ENABLED"):
        call_command(command, *arguments)


def test_simulate_inbound_sends_text_files_and_locations(settings: Any, server: str, sim: Simulator,
                                                         tmp_path: Path) -> None:
    settings.SIMULATOR_URL = server
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG photo")
    out = io.StringIO()

    call_command("simulate_inbound", "--from", CUSTOMER, "--text", "hi", stdout=out)
    call_command("simulate_inbound", "--from", CUSTOMER, "--media", str(photo), "--caption", "Look", stdout=out)
    call_command("simulate_inbound", "--from", CUSTOMER, "--location", "38.9,-77.03", stdout=out)

    messages = [json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0] for body, _ in sim.take_webhooks()]
    assert [m["type"] for m in messages] == ["text", "image", "location"]
    assert (messages[1]["image"]["mime_type"], messages[1]["image"]["caption"]) == ("image/png", "Look")
    assert messages[2]["location"] == {"latitude": 38.9, "longitude": -77.03}
    assert out.getvalue().count("message id wamid.") == 3
    with pytest.raises(CommandError, match="LATITUDE,LONGITUDE"):
        call_command("simulate_inbound", "--from", CUSTOMER, "--location", "here")


def test_the_app_id_answers_uploads_only() -> None:
    simulator = make_sim()
    status, body = simulator.handle("GET", f"/v24.0/{APP_ID}", {"Authorization": f"Bearer {TOKEN}"}, b"", {})

    assert (status, body["error"]["code"], body["error"]["error_subcode"]) == (400, 100, 33)
    simulator.close()
