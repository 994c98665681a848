"""The client against a running simulator: error classes, limits and faults end to end.

What the topic modules (``test_client_sim_<topic>.py``) share is in ``sim_env.py``. Every public
method of ``CloudApiClient`` has at least one test in these files
(``test_it_has_a_simulator_test_for_every_public_client_method`` checks it).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from cloudapi.client import CloudApiClient, SendResult
from cloudapi.errors import AuthError, CloudApiError, RateLimitedError, ServerError, WindowClosedError
from cloudapi.simulator import FaultSettings

from .sim_env import (
    CUSTOMER,
    HOLD,
    OTHER_PHONE,
    OTHER_WABA,
    PHONE,
    PHONE2,
    SHORT_READ,
    TOKEN,
    VERSION,
    WABA,
    SimEnv,
    assert_graph_error,
    numbers,
    statuses,
    unique,
)

pytestmark = pytest.mark.against_simulator


# -- every method is covered ------------------------------------------------------------------


def public_methods() -> set[str]:
    return {name for name, member in inspect.getmembers(CloudApiClient, inspect.isfunction)
            if not name.startswith("_")}


def test_it_has_a_simulator_test_for_every_public_client_method() -> None:
    here = Path(__file__).parent
    files = [here / "test_client_against_simulator.py", here / "test_simulator_admin.py",
             *sorted(here.glob("test_client_sim_*.py"))]
    called = set()
    for path in files:
        called |= set(re.findall(r"\.(\w+)\(", path.read_text()))

    missing = public_methods() - called

    assert len(public_methods()) >= 40
    assert not missing, f"client methods without a simulator test: {sorted(missing)}"


# -- auth and unknown objects -----------------------------------------------------------------


def test_it_raises_auth_error_190_for_a_token_the_simulator_does_not_know(sim_env: SimEnv) -> None:
    client = sim_env.client(token="not-a-token-of-ours")

    for call in (
        lambda: client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="hi"),
        lambda: client.list_templates(waba_id=WABA),
        lambda: client.get_phone_number(phone_number_id=PHONE),
    ):
        with pytest.raises(AuthError) as caught:
            call()
        assert_graph_error(caught.value, code=190, http_status=401, retryable=False)
        assert "access token" in caught.value.message.lower()
    assert sim_env.sim.sent_messages() == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.get_media(media_id="1234567890123456"), id="media"),
        pytest.param(lambda c: c.get_template(template_id="1234567890123456"), id="template"),
        pytest.param(lambda c: c.get_flow(flow_id="1234567890123456"), id="flow"),
        pytest.param(lambda c: c.get_phone_number(phone_number_id=OTHER_PHONE), id="another business's number"),
        pytest.param(lambda c: c.list_templates(waba_id=OTHER_WABA), id="another business's WABA"),
        pytest.param(lambda c: c.send_text(phone_number_id="999999999999999", to=CUSTOMER, body="hi"),
                     id="send from an unknown number"),
    ],
)
def test_it_raises_a_plain_cloud_api_error_100_33_for_unknown_objects(client: CloudApiClient, call: Any) -> None:
    with pytest.raises(CloudApiError) as caught:
        call(client)

    assert type(caught.value) is CloudApiError  # callers do not branch on it: no subclass
    assert_graph_error(caught.value, code=100, subcode=33, http_status=400, retryable=False)
    assert "does not exist" in caught.value.message


# -- asynchronous and synchronous send errors -------------------------------------------------


def test_it_accepts_a_send_outside_the_window_and_the_failure_arrives_as_a_131047_webhook(
    sim_env: SimEnv, client: CloudApiClient
) -> None:
    key = unique("window")

    result = client.send_text(phone_number_id=PHONE, to="+1 650 555 0000", body="Are you there?", callback_data=key)

    # Meta accepts the send; the closed window is only reported in the status webhook.
    assert isinstance(result, SendResult) and result.wamid.startswith("wamid.")
    failed = statuses(sim_env.sim)
    assert [(s["id"], s["status"]) for s in failed] == [(result.wamid, "failed")]
    assert failed[0]["errors"][0]["code"] == 131047
    assert failed[0]["biz_opaque_callback_data"] == key
    # The webhook error object is not an envelope, but our error type reads the same code and class.
    error = CloudApiError.from_envelope({"error": failed[0]["errors"][0]}, http_status=None)
    assert isinstance(error, WindowClosedError) and error.permanent


def test_it_sends_a_template_outside_the_window(sim_env: SimEnv, client: CloudApiClient) -> None:
    result = client.send_template(phone_number_id=PHONE, to="16505550000", name="hello_world", language="en_US")

    assert [s["status"] for s in statuses(sim_env.sim) if s["id"] == result.wamid] == ["sent", "delivered", "read"]


def test_it_raises_a_permanent_132001_for_a_template_not_approved_or_not_in_that_language(make_env: Any) -> None:
    sim_env = make_env(template_review_outcome="manual")  # PENDING stays PENDING
    client = sim_env.client()
    pending = sim_env.sim.add_template(name=unique("pending"), status="PENDING")
    rejected = sim_env.sim.add_template(name=unique("refused"), status="REJECTED")
    for name, language in ((pending["name"], "en_US"), (rejected["name"], "en_US"), ("hello_world", "fr"),
                           (unique("never_created"), "en_US")):
        with pytest.raises(CloudApiError) as caught:
            client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=name, language=language)

        assert_graph_error(caught.value, code=132001, http_status=404, retryable=False,
                           details=f"template name ({name}) does not exist in {language}")
    assert sim_env.sim.sent_messages() == []


def test_it_raises_132015_and_132016_for_paused_and_disabled_templates(sim_env: SimEnv,
                                                                       client: CloudApiClient) -> None:
    paused = sim_env.sim.add_template(name=unique("paused"))
    sim_env.sim.pause_template(paused["id"])
    disabled = sim_env.sim.add_template(name=unique("disabled"))
    sim_env.sim.disable_template(disabled["id"])

    for template, code in ((paused, 132015), (disabled, 132016)):
        with pytest.raises(CloudApiError) as caught:
            client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=template["name"], language="en_US")
        assert_graph_error(caught.value, code=code, http_status=400, retryable=False)


def test_it_raises_a_permanent_132000_when_the_parameters_do_not_match(sim_env: SimEnv,
                                                                       client: CloudApiClient) -> None:
    template = sim_env.sim.add_template(name=unique("order_ready"), components=[
        {"type": "BODY", "text": "Hi {{1}}, order {{2}} is ready.", "example": {"body_text": [["Ada", "42"]]}},
    ])

    with pytest.raises(CloudApiError) as caught:
        client.send_template(phone_number_id=PHONE, to=CUSTOMER, name=template["name"], language="en_US",
                             components=[{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}])

    assert_graph_error(caught.value, code=132000, http_status=400, retryable=False,
                       details="number of localizable_params (1) does not match the expected number of params (2)")


def test_it_raises_permanent_131008_and_131009_with_the_parameter_named(sim_env: SimEnv,
                                                                        client: CloudApiClient) -> None:
    sim_env.customer_writes()

    with pytest.raises(CloudApiError) as missing:
        client.send_contacts(phone_number_id=PHONE, to=CUSTOMER, contacts=[{"name": {"first_name": "Ada"}}])
    with pytest.raises(CloudApiError) as too_long:
        client.send_interactive(phone_number_id=PHONE, to=CUSTOMER, interactive={
            "type": "button", "body": {"text": "Pick"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "a", "title": "x" * 21}}]}})

    assert_graph_error(missing.value, code=131008, http_status=400, retryable=False,
                       details="contacts[0]['name']['formatted_name'] is required")
    assert_graph_error(too_long.value, code=131009, http_status=400, retryable=False,
                       details="interactive['action']['buttons'][0]['reply']['title'] is too long")


def test_it_raises_131021_when_sending_to_the_business_number_itself(client: CloudApiClient) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.send_text(phone_number_id=PHONE, to="+1 555 078 3881", body="me?")

    assert_graph_error(caught.value, code=131021, http_status=400, retryable=False)


# -- rate limits ------------------------------------------------------------------------------


def test_it_raises_a_retryable_rate_limited_error_130429_over_the_numbers_throughput(make_env: Any) -> None:
    env = make_env(numbers=numbers(mps=2), throughput_window=60.0)
    client = env.client()

    client.send_template(phone_number_id=PHONE, to="16505550001", name="hello_world", language="en_US")
    client.send_template(phone_number_id=PHONE, to="16505550002", name="hello_world", language="en_US")
    with pytest.raises(RateLimitedError) as caught:
        client.send_template(phone_number_id=PHONE, to="16505550003", name="hello_world", language="en_US")

    assert_graph_error(caught.value, code=130429, http_status=400, retryable=True)
    assert len(env.sim.sent_messages()) == 2
    # The limit is per number: the WABA's other number still sends.
    client.send_template(phone_number_id=PHONE2, to="16505550003", name="hello_world", language="en_US")


def test_it_raises_a_retryable_rate_limited_error_131056_over_the_pair_rate(make_env: Any) -> None:
    env = make_env(pair_rate_limit=2, pair_rate_window=60.0)
    client = env.client()
    env.customer_writes()

    client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="one")
    client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="two")
    with pytest.raises(RateLimitedError) as caught:
        client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="three")

    assert_graph_error(caught.value, code=131056, http_status=400, retryable=True)
    # Another customer is another pair.
    client.send_template(phone_number_id=PHONE, to="16505550009", name="hello_world", language="en_US")


def test_it_raises_a_retryable_rate_limited_error_80007_over_the_management_limit(make_env: Any) -> None:
    env = make_env(management_rate_limit=3)
    client = env.client()

    for _ in range(3):
        client.list_templates(waba_id=WABA)
    with pytest.raises(RateLimitedError) as caught:
        client.list_subscribed_apps(waba_id=WABA)

    assert_graph_error(caught.value, code=80007, http_status=400, retryable=True)
    # Messaging is not a management call.
    client.send_template(phone_number_id=PHONE, to=CUSTOMER, name="hello_world", language="en_US")


def test_it_raises_80007_over_the_template_creation_limit(make_env: Any) -> None:
    env = make_env(template_create_limit=1)
    client = env.client()
    body = [{"type": "BODY", "text": "Thanks for your order."}]

    client.create_template(waba_id=WABA, name=unique("first"), language="en_US", category="UTILITY",
                           components=body)
    with pytest.raises(RateLimitedError) as caught:
        client.create_template(waba_id=WABA, name=unique("second"), language="en_US", category="UTILITY",
                               components=body)

    assert_graph_error(caught.value, code=80007, http_status=400, retryable=True,
                       details="template creation is limited to 1 per hour")


# -- faults -----------------------------------------------------------------------------------


def send_keyed(client: CloudApiClient, key: str) -> SendResult:
    return client.send_template(phone_number_id=PHONE, to=CUSTOMER, name="hello_world", language="en_US",
                                callback_data=key)


def test_it_turns_a_held_answer_into_a_retryable_timeout_with_an_unknown_outcome(sim_env: SimEnv) -> None:
    client = sim_env.client(fault=f"timeout; hold_seconds={HOLD}", read_timeout=SHORT_READ)

    with pytest.raises(ServerError) as caught:
        send_keyed(client, unique("timeout"))

    assert caught.value.retryable is True
    assert caught.value.outcome_unknown is True
    assert caught.value.code is None and caught.value.http_status is None
    assert "Timed out" in caught.value.message
    assert sim_env.sim.sent_messages() == []  # held before processing: nothing was sent
    assert sim_env.sim.request_log()[-1]["fault"] == "timeout"


def test_it_turns_a_connection_reset_into_a_retryable_server_error(sim_env: SimEnv) -> None:
    client = sim_env.client(fault="reset")

    with pytest.raises(ServerError) as caught:
        send_keyed(client, unique("reset"))

    assert caught.value.retryable is True
    # The client cannot tell a reset before processing from one after: the outcome is unknown.
    assert caught.value.outcome_unknown is True
    assert "Could not reach the Graph API" in caught.value.message
    assert sim_env.sim.sent_messages() == []


def test_it_turns_a_bare_html_500_into_a_retryable_server_error(sim_env: SimEnv) -> None:
    client = sim_env.client(fault="500")

    with pytest.raises(ServerError) as caught:
        client.list_templates(waba_id=WABA)

    assert caught.value.http_status == 500
    assert caught.value.code is None
    assert caught.value.retryable is True
    assert caught.value.outcome_unknown is True


@pytest.mark.parametrize(("fault", "status"), [("131000", 500), ("131016", 503)])
def test_it_raises_retryable_meta_errors_for_injected_131000_and_131016(sim_env: SimEnv, fault: str,
                                                                       status: int) -> None:
    client = sim_env.client(fault=fault)

    with pytest.raises(CloudApiError) as caught:
        send_keyed(client, unique("transient"))

    assert type(caught.value) is CloudApiError
    assert_graph_error(caught.value, code=int(fault), http_status=status, retryable=True)
    assert sim_env.sim.sent_messages() == []


def test_it_sees_an_error_when_the_answer_is_lost_although_the_send_was_accepted_once(sim_env: SimEnv) -> None:
    key = unique("lost")
    client = sim_env.client(fault="lost")

    with pytest.raises(ServerError) as caught:
        send_keyed(client, key)

    assert caught.value.retryable is True
    assert caught.value.outcome_unknown is True  # a blind retry could send it twice
    assert sim_env.sim.callback_data_counts() == {key: 1}
    # The status webhooks carry the callback data, which settles what happened to the send.
    assert {s["biz_opaque_callback_data"] for s in statuses(sim_env.sim)} == {key}


def test_it_times_out_on_a_lost_and_held_answer_and_the_send_still_counts_once(sim_env: SimEnv) -> None:
    key = unique("lost_timeout")
    client = sim_env.client(fault=f"lost-timeout; hold_seconds={HOLD}", read_timeout=SHORT_READ)

    with pytest.raises(ServerError) as caught:
        send_keyed(client, key)

    assert (caught.value.retryable, caught.value.outcome_unknown) == (True, True)
    assert sim_env.sim.callback_data_counts() == {key: 1}


def test_it_follows_faults_set_on_the_simulator_and_recovers_when_they_are_cleared(sim_env: SimEnv,
                                                                                   client: CloudApiClient) -> None:
    sim_env.sim.set_faults(FaultSettings(error_rate=1.0, error_kinds=("131016",)))

    with pytest.raises(CloudApiError) as caught:
        client.get_phone_number(phone_number_id=PHONE)
    sim_env.sim.clear_faults()

    assert caught.value.code == 131016 and caught.value.retryable
    assert client.get_phone_number(phone_number_id=PHONE).id == PHONE


def test_it_waits_out_injected_latency_within_its_read_timeout(sim_env: SimEnv) -> None:
    client = sim_env.client(fault="latency_ms=50", read_timeout=2.0)

    assert client.get_phone_number(phone_number_id=PHONE).id == PHONE


def test_it_treats_a_json_answer_without_a_graph_envelope_as_a_permanent_server_error(sim_env: SimEnv) -> None:
    # A malformed X-Sim-Fault header gets the simulator's own 400 {"error": "<text>"}: not Graph's envelope.
    client = sim_env.client(fault="no-such-fault")

    with pytest.raises(ServerError) as caught:
        client.get_phone_number(phone_number_id=PHONE)

    assert caught.value.http_status == 400
    assert caught.value.code is None
    assert caught.value.retryable is False


def test_it_sends_exactly_once_when_retrying_after_a_reset_before_processing(sim_env: SimEnv,
                                                                             client: CloudApiClient) -> None:
    key = unique("retry")
    sim_env.sim.set_faults(reset_rate=1.0)
    with pytest.raises(ServerError):
        send_keyed(client, key)
    sim_env.sim.clear_faults()

    result = send_keyed(client, key)  # the same client (and session) retries

    assert sim_env.sim.callback_data_counts() == {key: 1}
    assert [m["wamid"] for m in sim_env.sim.sent_messages()] == [result.wamid]


def test_it_learns_from_a_retried_creation_that_a_lost_answer_had_created_the_template(sim_env: SimEnv) -> None:
    name = unique("lost_create")
    body = [{"type": "BODY", "text": "Your code is ready."}]

    with pytest.raises(ServerError) as lost:
        sim_env.client(fault="lost").create_template(waba_id=WABA, name=name, language="en_US",
                                                     category="UTILITY", components=body)
    with pytest.raises(CloudApiError) as retried:
        sim_env.client().create_template(waba_id=WABA, name=name, language="en_US", category="UTILITY",
                                         components=body)

    assert lost.value.outcome_unknown
    assert_graph_error(retried.value, code=100, subcode=2388024, http_status=400, retryable=False)
    assert [t["name"] for t in sim_env.sim.templates(WABA)].count(name) == 1


def test_it_raises_a_retryable_error_that_surely_did_not_send_when_nothing_listens() -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = CloudApiClient(access_token=TOKEN, base_url=f"http://127.0.0.1:{port}", version=VERSION,
                            timeout=(1.0, 1.0), session=requests.Session())

    with pytest.raises(ServerError) as caught:
        client.send_text(phone_number_id=PHONE, to=CUSTOMER, body="hi")

    assert caught.value.retryable is True
    assert caught.value.outcome_unknown is False  # refused: the request never reached anyone


def test_it_logs_neither_the_token_nor_a_message_body(sim_env: SimEnv, caplog: pytest.LogCaptureFixture) -> None:
    body = "Private: your test results are ready"
    caplog.set_level("DEBUG")

    for client in (sim_env.client(), sim_env.client(fault="131000"), sim_env.client(fault="500"),
                   sim_env.client(token="wrong-token-do-not-log")):
        try:
            client.send_text(phone_number_id=PHONE, to=CUSTOMER, body=body)
        except CloudApiError:
            pass

    assert "Graph POST /{id}/messages failed" in caplog.text
    for secret in (TOKEN, "wrong-token-do-not-log", body):
        assert secret not in caplog.text
