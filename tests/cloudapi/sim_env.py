"""What the client-against-simulator tests (``test_client_against_simulator.py`` and
``test_client_sim_<topic>.py``) share: a simulator with three numbers (``SimEnv``), a client factory
(with a per-request ``X-Sim-Fault`` header when asked) and webhook helpers. Their fixtures
(``sim_env``, ``make_env`` and ``client`` in modules marked ``against_simulator``) are in this
folder's conftest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

from cloudapi.client import CloudApiClient
from cloudapi.errors import CloudApiError
from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve

PHONE = "106540352242922"
PHONE2 = "106540352242999"  # a second number of the same WABA, same token
WABA = "102290129340398"
APP = "300000000000001"
TOKEN = "client-sim-token-do-not-log"
SECRET = "client-sim-app-secret"
OTHER_PHONE = "209000000000001"  # another business: its own WABA and token
OTHER_WABA = "209000000000900"
OTHER_TOKEN = "other-business-token"
CUSTOMER = "16505551234"
VERSION = "v24.0"
# Tiny delays: status webhooks fall due at once; templates leave review on the next request.
TINY_DELAYS = (0.0, 0.0, 0.0)
# A read timeout the held faults outlast; short, so the suite stays fast.
SHORT_READ = 0.25
HOLD = 0.6

_COUNTER = iter(range(1, 1_000_000))


def unique(prefix: str = "t") -> str:
    """A fresh name (templates, flows, callback data) so tests never collide."""
    return f"{prefix}_{next(_COUNTER)}"


def numbers(**mps: int) -> list[SimNumber]:
    return [
        SimNumber(phone_number_id=PHONE, display_phone_number="15550783881", waba_id=WABA, access_token=TOKEN,
                  app_secret=SECRET, verified_name="Acme", mps=mps.get("mps", 80)),
        SimNumber(phone_number_id=PHONE2, display_phone_number="15550783882", waba_id=WABA, access_token=TOKEN,
                  app_secret=SECRET, verified_name="Acme Two"),
        SimNumber(phone_number_id=OTHER_PHONE, display_phone_number="15550009999", waba_id=OTHER_WABA,
                  access_token=OTHER_TOKEN, app_secret="other-secret", verified_name="Other"),
    ]


@dataclass
class SimEnv:
    """A simulator served on loopback, and clients talking to it."""

    sim: Simulator
    url: str
    _sessions: list[requests.Session] = field(default_factory=list)

    def client(self, *, token: str = TOKEN, fault: str | None = None, read_timeout: float = 5.0) -> CloudApiClient:
        """A client with its own session; ``fault`` goes in every request's ``X-Sim-Fault`` header."""
        session = requests.Session()
        if fault is not None:
            session.headers["X-Sim-Fault"] = fault
        self._sessions.append(session)
        return CloudApiClient(access_token=token, base_url=self.url, version=VERSION, timeout=(2.0, read_timeout),
                              session=session)

    def customer_writes(self, wa_id: str = CUSTOMER, text: str = "hi", phone: str = PHONE) -> str:
        """The customer writes (opening the 24-hour window); returns the inbound wamid."""
        return self.sim.inbound(phone_number_id=phone, wa_id=wa_id, name="Sheena",
                                message={"type": "text", "text": {"body": text}})

    def close(self) -> None:
        for session in self._sessions:
            session.close()


def start(**config: Any) -> tuple[SimEnv, Any]:
    values: dict[str, Any] = dict(numbers=numbers(), auto_dispatch=False, status_delays=TINY_DELAYS,
                                  template_review_delay=0, app_id=APP)
    values.update(config)
    sim = Simulator(SimulatorConfig(**values))
    running = serve(sim)
    return SimEnv(sim=sim, url=running.url), running


def webhook_values(sim: Simulator, field_name: str | None = None) -> list[dict[str, Any]]:
    """Take the queued webhooks; the ``value`` of each change (of one field if given)."""
    values = []
    for body, _headers in sim.take_webhooks():
        for entry in json.loads(body)["entry"]:
            for change in entry["changes"]:
                if field_name is None or change["field"] == field_name:
                    values.append(change["value"])
    return values


def statuses(sim: Simulator) -> list[dict[str, Any]]:
    """Take the queued webhooks; every ``statuses[]`` item in them."""
    return [status for value in webhook_values(sim, "messages") for status in value.get("statuses", [])]


def assert_graph_error(error: CloudApiError, *, code: int, http_status: int, retryable: bool,
                       subcode: int | None = None, details: str | None = None) -> None:
    """What a caller relies on in a Graph error: code, subcode, HTTP status, retry decision, trace id."""
    assert error.code == code, error
    assert error.http_status == http_status
    assert error.retryable is retryable
    assert error.permanent is (not retryable)
    assert error.outcome_unknown is False
    assert error.fbtrace_id.startswith("A") and len(error.fbtrace_id) >= 20
    if subcode is not None:
        assert error.error_subcode == subcode
    if details is not None:
        assert details in error.details, error.details
