"""Fault injection: latency, error answers, timeouts, resets and answers lost after the send was
accepted — per request (X-Sim-Fault), by config, and at runtime through /_sim/faults; seeded."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
import requests

from cloudapi.simulator import FaultSettings, Simulator, serve

from .simulator_http import (
    CUSTOMER,
    PHONE_NUMBER_ID,
    Api,
    assert_error,
    make_sim,
    statuses,
)

HOLD = 0.4
CLIENT_TIMEOUT = 0.15


def template(key: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template", "biz_opaque_callback_data": key,
            "template": {"name": "hello_world", "language": {"code": "en_US"}}}


def send(api: Api, key: str, fault: str | None = None, timeout: float = 5) -> requests.Response:
    headers = {"X-Sim-Fault": fault} if fault else {}
    return api.session.post(f"{api.root}/{PHONE_NUMBER_ID}/messages", json=template(key), headers=headers,
                            timeout=timeout)


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("131000", 500, 131000), ("131016", 503, 131016), ("error_rate=1; error_kinds=131016", 503, 131016)],
)
def test_it_answers_injected_meta_errors_without_sending(api: Api, sim: Simulator, fault: str, status: int,
                                                        code: int) -> None:
    response = send(api, "k", fault)

    error = assert_error(response, status, code)
    assert error["is_transient"] is True
    assert sim.sent_messages() == []
    assert sim.request_log()[-1]["fault"] == f"error:{code}"


def test_it_answers_a_bare_html_500(api: Api, sim: Simulator) -> None:
    response = send(api, "k", "500")

    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        response.json()
    assert sim.sent_messages() == []


def test_it_resets_the_connection_without_sending(api: Api, sim: Simulator) -> None:
    with pytest.raises(requests.ConnectionError):
        send(api, "k", "reset")

    assert sim.sent_messages() == []
    assert (sim.request_log()[-1]["fault"], sim.request_log()[-1]["status"]) == ("reset", 0)


def test_it_holds_the_answer_past_the_clients_timeout_without_sending(api: Api, sim: Simulator) -> None:
    with pytest.raises(requests.ReadTimeout):
        send(api, "k", f"timeout; hold_seconds={HOLD}", timeout=CLIENT_TIMEOUT)

    assert sim.sent_messages() == []


@pytest.mark.parametrize(
    ("fault", "error"),
    [("lost", requests.ConnectionError), (f"lost-timeout; hold_seconds={HOLD}", requests.ReadTimeout)],
)
def test_it_accepts_the_send_but_loses_the_answer(api: Api, sim: Simulator, fault: str,
                                                  error: type[Exception]) -> None:
    with pytest.raises(error):
        send(api, "order-42", fault, timeout=CLIENT_TIMEOUT)

    [accepted] = sim.sent_messages()
    assert accepted["biz_opaque_callback_data"] == "order-42"
    found = statuses(sim.take_webhooks())
    assert [s["status"] for s in found] == ["sent", "delivered", "read"]
    assert {s["biz_opaque_callback_data"] for s in found} == {"order-42"}
    entry = sim.request_log()[-1]
    assert entry["status"] == 200 and entry["fault"].startswith("lost:")


def test_it_adds_latency(api: Api) -> None:
    started = time.monotonic()
    response = send(api, "k", "latency_ms=200")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2


def test_with_answer_latency_the_send_is_processed_before_the_answer_leaves(api: Api, sim: Simulator) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(send, api, "k", "answer_latency_ms=1000")
        while not sim.sent_messages() and time.monotonic() - started < 5:
            time.sleep(0.01)
        assert [m["biz_opaque_callback_data"] for m in sim.sent_messages()] == ["k"]
        assert not answer.done()  # accepted, its statuses queued, the answer still on its way
        response = answer.result()

    assert response.status_code == 200
    assert time.monotonic() - started >= 1.0
    assert [s["status"] for s in statuses(sim.take_webhooks())] == ["sent", "delivered", "read"]


def test_it_answers_400_for_a_malformed_fault_header(api: Api, sim: Simulator) -> None:
    for header in ("explode", "error_rate=2", "lost_mode=sideways; lost", "answer_latency_ms=-1"):
        response = send(api, "k", header)
        assert response.status_code == 400
        assert "X-Sim-Fault" in response.json()["error"]
    assert sim.sent_messages() == []


def _codes(settings: FaultSettings, count: int = 30) -> list[int]:
    simulator = make_sim(faults=settings)
    running = serve(simulator)
    try:
        api = Api(running.url)
        return [send(api, f"m-{i}").status_code for i in range(count)]
    finally:
        running.shutdown()
        simulator.close()


def test_it_injects_a_seeded_share_of_errors_by_config() -> None:
    settings = FaultSettings(error_rate=0.3, error_kinds=("131000", "131016"), seed=7)

    first, again = _codes(settings), _codes(settings)

    assert first == again
    assert set(first) == {200, 500, 503}
    assert 3 <= sum(code != 200 for code in first) <= 18


def test_it_leaves_the_simulators_own_paths_alone(server: str, sim: Simulator) -> None:
    sim.set_faults(reset_rate=1.0)

    assert requests.get(f"{server}/_sim/health", timeout=5).json() == {"ok": True}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server}/v24.0/{PHONE_NUMBER_ID}", timeout=5)


def test_it_sets_and_clears_faults_at_runtime(server: str, api: Api, sim: Simulator) -> None:
    set_lost = requests.post(f"{server}/_sim/faults", json={"lost_rate": 1, "seed": 3}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        send(api, "a")
    by_spec = requests.post(f"{server}/_sim/faults", json={"spec": "131016"}, timeout=5)
    unavailable = send(api, "b")
    cleared = requests.delete(f"{server}/_sim/faults", timeout=5)
    fine = send(api, "c")
    bad = requests.post(f"{server}/_sim/faults", json={"error_rate": 0.7, "lost_rate": 0.7}, timeout=5)

    assert (set_lost.json()["lost_rate"], set_lost.json()["seed"]) == (1.0, 3)
    assert by_spec.json()["error_kinds"] == ["131016"]
    assert unavailable.status_code == 503
    assert cleared.json() == FaultSettings().to_dict()
    assert fine.status_code == 200
    assert bad.status_code == 400 and "at most 1" in bad.json()["error"]
    assert requests.get(f"{server}/_sim/faults", timeout=5).json() == FaultSettings().to_dict()
    assert sim.callback_data_counts() == {"a": 1, "c": 1}


@pytest.fixture
def faulty() -> Iterator[tuple[Simulator, Api]]:
    simulator = make_sim(faults=FaultSettings(error_rate=0.2, lost_rate=0.2, seed=11), pair_rate_limit=1000)
    running = serve(simulator)
    yield simulator, Api(running.url)
    running.shutdown()
    simulator.close()


def test_it_counts_accepted_sends_per_callback_data_so_duplicates_show(faulty: tuple[Simulator, Api]) -> None:
    simulator, api = faulty
    first_attempt_lost = set()
    for i in range(40):
        key = f"msg-{i}"
        for attempt in range(10):  # a naive client: retries whatever went wrong
            try:
                if send(api, key).status_code == 200:
                    break
            except requests.ConnectionError:
                if attempt == 0:
                    first_attempt_lost.add(key)

    counts = simulator.callback_data_counts()
    assert set(counts) == {f"msg-{i}" for i in range(40)}
    assert first_attempt_lost, "the seed should lose some answers"
    assert {key for key, count in counts.items() if count > 1} >= first_attempt_lost
    assert sum(counts.values()) == len(simulator.sent_messages())


def test_a_none_header_switches_configured_faults_off_for_one_request(api: Api, sim: Simulator) -> None:
    sim.set_faults(reset_rate=1.0)

    response = send(api, "k", "none")

    assert response.status_code == 200
    assert sim.callback_data_counts() == {"k": 1}
