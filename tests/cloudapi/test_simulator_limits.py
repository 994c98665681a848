"""The limits a campaign meets at the simulator (docs/simulator.md "Limits"): throughput per number
(130429, settable: HIGH = 1,000), the pair rate (131056), per-user marketing caps (131049) and
opt-outs (131050 + ``user_preferences``) in failed status webhooks, the portfolio's messaging limit,
held-for-quality sends, paused templates and a number dropping to RED — and the batched status
webhooks and the ``/_sim/sends`` report."""

from __future__ import annotations

import json
from typing import Any

import requests

from cloudapi.simulator import Simulator

from .simulator_http import (
    CUSTOMER,
    PHONE_NUMBER_ID,
    TOKEN,
    WABA_ID,
    Api,
    FakeClock,
    assert_shape,
    customer_writes,
    fixture,
    make_sim,
    number,
    statuses,
    verify,
    webhook_values,
)

PROMO = [{"type": "BODY", "text": "Our autumn offers are here."}]


def template(name: str, to: str = CUSTOMER, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "template",
            "template": {"name": name, "language": {"code": "en_US"}}, **extra}


def call(simulator: Simulator, body: dict[str, Any]) -> tuple[int, Any]:
    return simulator.handle("POST", f"/v24.0/{PHONE_NUMBER_ID}/messages", {"Authorization": f"Bearer {TOKEN}"},
                            json.dumps(body).encode(), {})


def codes(simulator: Simulator) -> list[tuple[str, int | None]]:
    """(status, error code) of every status webhook queued so far, taken."""
    return [(s["status"], s["errors"][0]["code"] if "errors" in s else None) for s in statuses(simulator.take_webhooks())]


# -- throughput and pair rate ------------------------------------------------------------------


def test_throughput_is_a_sliding_second_per_number_and_the_command_sets_it() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, numbers=[number(mps=2)])
    sends = [call(simulator, template("hello_world", to=f"1650555100{i}"))[0] for i in range(3)]
    clock.advance(0.5)
    half_second_later = call(simulator, template("hello_world", to="16505551010"))
    clock.advance(0.51)  # the first two are now more than a second old
    after_a_second = call(simulator, template("hello_world", to="16505551011"))[0]

    state = simulator.set_throughput(PHONE_NUMBER_ID, mps=3)
    burst = [call(simulator, template("hello_world", to=f"1650555200{i}"))[0] for i in range(4)]

    assert sends == [200, 200, 400]
    assert half_second_later[1]["error"]["code"] == 130429
    assert after_a_second == 200
    assert (state["mps"], burst) == (3, [200, 200, 400, 400])  # one of the three was sent 0.01 s ago
    simulator.close()


def test_going_high_throughput_allows_1000_mps_and_sends_throughput_upgrade(api: Api, sim: Simulator) -> None:
    state = sim.set_throughput(PHONE_NUMBER_ID, level="HIGH")

    [value] = webhook_values(sim.take_webhooks(), "phone_number_quality_update")
    answer = api.get(f"/{PHONE_NUMBER_ID}", params={"fields": "throughput"}).json()
    assert state["mps"] == 1000 and sim._numbers[PHONE_NUMBER_ID].mps == 1000
    assert value["event"] == "THROUGHPUT_UPGRADE"
    assert answer["throughput"] == {"level": "HIGH"}


def test_the_pair_rate_is_a_burst_then_one_message_per_window() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, pair_rate_limit=3, pair_rate_window=6.0)
    burst = [call(simulator, template("hello_world"))[0] for _ in range(4)]
    clock.advance(6.0)
    one_more = [call(simulator, template("hello_world"))[0] for _ in range(2)]
    _, refused = call(simulator, template("hello_world"))

    assert burst == [200, 200, 200, 400]
    assert one_more == [200, 400]  # the burst borrowed from the future: one token per 6 s
    assert refused["error"]["code"] == 131056
    simulator.close()


# -- marketing: caps and opt-outs, in failed statuses ------------------------------------------


def test_a_marketing_limited_customer_gets_a_failed_status_with_131049_not_a_send_error(sim: Simulator) -> None:
    sim.add_template(name="autumn_sale", category="MARKETING", components=PROMO)
    sim.set_marketing_limited(CUSTOMER)

    status, answer = call(sim, template("autumn_sale"))
    utility_status, _ = call(sim, template("hello_world", to="16505550000"))

    assert status == 200 and answer["messages"][0]["id"].startswith("wamid.")
    assert codes(sim) == [("failed", 131049), ("sent", None), ("delivered", None), ("read", None)]
    assert utility_status == 200


def test_the_per_user_marketing_cap_counts_delivered_marketing_templates_in_24_hours() -> None:
    clock = FakeClock()
    simulator = make_sim(clock=clock, marketing_per_user_limit=2)
    simulator.add_template(name="autumn_sale", category="MARKETING", components=PROMO)
    for _ in range(3):
        call(simulator, template("autumn_sale"))
    clock.advance(24 * 3600 + 1)
    call(simulator, template("autumn_sale"))

    found = [c for c in codes(simulator) if c[0] in ("sent", "failed")]
    assert found == [("sent", None), ("sent", None), ("failed", 131049), ("sent", None)]
    simulator.close()


def test_an_opt_out_sends_user_preferences_and_fails_marketing_with_131050(sim: Simulator) -> None:
    sim.add_template(name="autumn_sale", category="MARKETING", components=PROMO)

    sim.set_marketing_opt_out(CUSTOMER, phone_number_id=PHONE_NUMBER_ID)
    [(raw, headers)] = sim.take_webhooks()
    call(sim, template("autumn_sale"))
    call(sim, template("hello_world"))  # utility: still delivered
    after = codes(sim)
    sim.set_marketing_opt_out(CUSTOMER, opted_out=False, phone_number_id=PHONE_NUMBER_ID)
    [resume] = webhook_values(sim.take_webhooks(), "user_preferences")
    call(sim, template("autumn_sale"))

    payload = verify(raw, headers)
    assert_shape(payload, fixture("webhook_user_preferences_resume.json"))
    assert payload["entry"][0]["changes"][0]["value"]["user_preferences"][0]["value"] == "stop"
    assert after == [("failed", 131050), ("sent", None), ("delivered", None), ("read", None)]
    assert resume["user_preferences"][0]["value"] == "resume"
    assert codes(sim)[0] == ("sent", None)


# -- the portfolio's messaging limit -----------------------------------------------------------


def test_the_portfolio_limit_fails_new_customers_outside_a_window_past_the_tier(sim: Simulator) -> None:
    sim.set_messaging_limit(WABA_ID, "TIER_50")
    sim.take_webhooks()
    customer_writes(sim)  # CUSTOMER is in a service window: not counted, never refused
    sim.take_webhooks()
    for i in range(50):
        call(sim, template("hello_world", to=f"165055520{i:02d}"))
    sim.take_webhooks()

    call(sim, template("hello_world", to="16505553000"))  # the 51st unique customer
    call(sim, template("hello_world", to="16505552000"))  # already reached today
    call(sim, template("hello_world"))  # inside its window
    found = statuses(sim.take_webhooks())

    failed = [s for s in found if s["status"] == "failed"]
    assert [(s["recipient_id"], s["errors"][0]["code"]) for s in failed] == [("16505553000", 131048)]
    assert "TIER_50" in failed[0]["errors"][0]["error_data"]["details"]
    assert {s["recipient_id"] for s in found if s["status"] == "sent"} == {"16505552000", CUSTOMER}


# -- quality: holds, paused templates, a number dropping to RED -------------------------------


def test_a_held_send_answers_held_for_quality_assessment_then_is_released_or_dropped(sim: Simulator) -> None:
    held = sim.add_template(name="autumn_sale", category="MARKETING", components=PROMO)
    sim.hold_template(held["id"], "release")

    _, answer = call(sim, template("autumn_sale"))
    released = codes(sim)
    sim.hold_template(held["id"], "drop")
    call(sim, template("autumn_sale", to="16505550000"))
    dropped = codes(sim)
    sim.hold_template(held["id"], None)
    _, normal = call(sim, template("autumn_sale"))

    assert answer["messages"][0]["message_status"] == "held_for_quality_assessment"
    assert released == [("sent", None), ("delivered", None), ("read", None)]
    assert dropped == [("failed", 132015)]
    assert "message_status" not in normal["messages"][0]


def test_dropping_a_number_to_red_can_pause_its_templates_with_metas_webhooks(api: Api, sim: Simulator,
                                                                             server: str) -> None:
    response = requests.post(f"{server}/_sim/numbers/{PHONE_NUMBER_ID}/quality",
                             json={"rating": "RED", "pause_templates": True}, timeout=5)

    webhooks = sim.take_webhooks()
    [flagged] = webhook_values(webhooks, "phone_number_quality_update")
    [quality] = webhook_values(webhooks, "message_template_quality_update")
    [paused] = webhook_values(webhooks, "message_template_status_update")
    refused = api.send(template("hello_world"))

    assert response.json()["quality_rating"] == "RED"
    assert flagged["event"] == "FLAGGED"
    assert (quality["message_template_name"], quality["new_quality_score"]) == ("hello_world", "RED")
    assert (paused["event"], paused["other_info"]["title"]) == ("PAUSED", "FIRST_PAUSE")
    # Meta's sample has a reason text; the simulator's PAUSED carries null (docs/simulator.md).
    assert_shape(verify(*webhooks[-1]), fixture("webhook_template_status_paused.json"), ignore=("reason",))
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, 132015)


# -- batched status webhooks ------------------------------------------------------------------


def test_status_webhooks_come_batched_signed_and_shaped_like_metas(sim: Simulator) -> None:
    for i in range(4):
        call(sim, template("hello_world", to=f"1650555300{i}", biz_opaque_callback_data=f"u{i}"))

    [(raw, headers)] = sim.take_webhooks(batch=True)

    payload = verify(raw, headers)
    [entry] = payload["entry"]
    [change] = entry["changes"]
    assert len(change["value"]["statuses"]) == 12
    first = change["value"]["statuses"][0]["id"]
    assert [s["status"] for s in change["value"]["statuses"] if s["id"] == first] == ["sent", "delivered", "read"]
    assert {s["biz_opaque_callback_data"] for s in change["value"]["statuses"]} == {"u0", "u1", "u2", "u3"}
    # The envelope is Meta's; each status is shaped like Meta's sample of that status (v24: no conversation;
    # read carries no pricing; the samples carry no callback data).
    assert_shape(payload, fixture("webhook_status_sent_pmp.json"), ignore=("statuses", "contacts"))
    samples = {"sent": "webhook_status_sent_pmp.json", "delivered": "webhook_status_delivered.json",
               "read": "webhook_status_read.json"}
    for status in change["value"]["statuses"]:
        sample = fixture(samples[status["status"]])["entry"][0]["changes"][0]["value"]["statuses"][0]
        assert_shape(status, sample, ignore=("conversation", "biz_opaque_callback_data", "pricing", "type"))
        assert ("pricing" in status) == (status["status"] != "read")


def test_the_dispatcher_posts_many_statuses_per_post() -> None:
    from .test_simulator import Receiver

    receiver = Receiver([])
    clock = FakeClock()
    simulator = make_sim(webhook_url=receiver.url, auto_dispatch=False, webhook_batch_size=5, clock=clock)
    try:
        for i in range(4):
            call(simulator, template("hello_world", to=f"1650555400{i}"))
        clock.advance(1.0)  # every status is due
        simulator.deliver_due_webhooks()
        posted = [verify(body, {k: v for k, v in headers.items()}) for body, headers in receiver.received]
        counts = [len(p["entry"][0]["changes"][0]["value"]["statuses"]) for p in posted]
        assert sum(counts) == 12 and max(counts) == 5 and len(posted) == 3
        assert all(entry["state"] == "delivered" for entry in simulator.webhook_log())
    finally:
        receiver.close()
        simulator.close()


# -- the /_sim/ controls and the sends report --------------------------------------------------


def test_the_sim_endpoints_drive_the_limits_and_report_sends(api: Api, sim: Simulator, server: str) -> None:
    sim.add_template(name="autumn_sale", category="MARKETING", components=PROMO)
    post = lambda path, body=None: requests.post(f"{server}/_sim/{path}", json=body, timeout=5)  # noqa: E731
    assert post(f"numbers/{PHONE_NUMBER_ID}/throughput", {"mps": 2}).json()["mps"] == 2
    assert post(f"customers/{CUSTOMER}/marketing", {"opted_out": True}).json()["marketing"] == "stop"
    assert post("customers/16505550001/marketing_limited").json()["marketing_limited"] is True
    assert post("limits", {"marketing_per_user_limit": 3}).json()["marketing_per_user_limit"] == 3
    template_id = sim.templates()[-1]["id"]
    assert post(f"templates/{template_id}/hold", {"outcome": "drop"}).json()["quality_hold"] == "drop"
    assert post("customers/nope/marketing").status_code == 400
    assert post(f"templates/{template_id}/hold", {"outcome": "later"}).status_code == 400
    for to, key in (("16505550002", "a"), ("16505550003", "a"), ("16505550004", "b")):
        api.send(template("hello_world", to=to, biz_opaque_callback_data=key))

    report = requests.get(f"{server}/_sim/sends", params={"phone_number_id": PHONE_NUMBER_ID}, timeout=5).json()

    assert (report["accepted"], report["attempts"], report["max_in_any_second"]) == (2, 3, 2)
    assert report["refused"] == {"130429": 1}
    assert report["duplicates"] == {"a": 2}
    assert sum(report["per_second"].values()) == 2
    assert requests.get(f"{server}/_sim/sends", params={"since": "x"}, timeout=5).status_code == 400


def test_max_in_window_counts_a_sliding_second() -> None:
    from cloudapi.simulator.sim_stats import max_in_window

    assert max_in_window([]) == 0
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.98]) == 3
    assert max_in_window([0.0, 1.0, 2.0]) == 1


def test_the_server_keeps_the_connection_alive_between_sends(server: str) -> None:
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=5)
    answers, sockets = [], []
    for to in ("16505550011", "16505550012"):
        connection.request("POST", f"/v24.0/{PHONE_NUMBER_ID}/messages", body=json.dumps(template("hello_world", to=to)),
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
        response = connection.getresponse()
        answers.append((response.status, response.version, response.getheader("Connection")))
        response.read()
        sockets.append(connection.sock)
    connection.close()

    assert answers == [(200, 11, None), (200, 11, None)]
    assert sockets[0] is not None and sockets[0] is sockets[1]  # one connection for both sends
