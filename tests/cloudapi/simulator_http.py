"""What the simulator tests (``test_simulator*.py``) share: our number, a raw HTTP ``Api``, shape and
signature checks. Their fixtures (``sim``, ``server``, ``api``) are in this folder's conftest."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cloudapi"

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
APP_ID = "300000000000001"
TOKEN = "test-access-token-do-not-log"
SECRET = "test-app-secret"
CUSTOMER = "16505551234"
TINY_DELAYS = (0.01, 0.02, 0.03)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


class FakeClock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def number(**overrides: str) -> SimNumber:
    values = dict(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number="15550783881",
        waba_id="102290129340398",
        access_token=TOKEN,
        app_secret=SECRET,
        verified_name="Test Shop",
    )
    values.update(overrides)
    return SimNumber(**values)


def make_sim(**overrides: Any) -> Simulator:
    config = dict(numbers=[number()], status_delays=TINY_DELAYS, auto_dispatch=False)
    config.update(overrides)
    return Simulator(SimulatorConfig(**config))


def send(base: str, body: Any, *, token: str | None = TOKEN, number_id: str = PHONE_NUMBER_ID) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if isinstance(body, (dict, list)):
        return requests.post(f"{base}/v24.0/{number_id}/messages", json=body, headers=headers, timeout=5)
    return requests.post(f"{base}/v24.0/{number_id}/messages", data=body, headers=headers, timeout=5)


def text_message(body: str = "Hello there", **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+1 (650) 555-1234",
            "type": "text", "text": {"preview_url": False, "body": body}, **extra}


HI = {"type": "text", "text": {"body": "hi"}}


def customer_writes(simulator: Simulator, message: dict[str, Any] = HI, **kwargs: Any) -> str:
    return simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena", message=message, **kwargs)


def handle_send(simulator: Simulator, body: dict[str, Any] | None = None) -> int:
    """Send through the Python API (no HTTP), as the WSGI app would."""
    path = f"/v24.0/{PHONE_NUMBER_ID}/messages"
    raw = json.dumps(body or text_message()).encode()
    status, _ = simulator.handle("POST", path, {"authorization": f"Bearer {TOKEN}"}, raw, {})
    return status


def shape(value: Any) -> Any:
    """Keys and JSON types, recursively: what 'has the same structure' means here."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def assert_shape(actual: Any, reference: Any, *, ignore: tuple[str, ...] = (), where: str = "$") -> None:
    """Same keys and JSON types, recursively (list items against the reference item at the same index,
    or its last one); keys named in ``ignore`` are left out on both sides."""
    if isinstance(reference, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        keys, expected = set(actual) - set(ignore), set(reference) - set(ignore)
        assert keys == expected, f"{where}: keys {sorted(keys)} != {sorted(expected)}"
        for key in expected:
            assert_shape(actual[key], reference[key], ignore=ignore, where=f"{where}.{key}")
    elif isinstance(reference, list):
        assert isinstance(actual, list), f"{where}: expected an array, got {actual!r}"
        assert bool(actual) == bool(reference), f"{where}: one of the arrays is empty"
        for index, item in enumerate(actual):
            assert_shape(item, reference[min(index, len(reference) - 1)], ignore=ignore, where=f"{where}[{index}]")
    else:
        assert type(actual) is type(reference), f"{where}: {type(actual).__name__} != {type(reference).__name__}"


class Api:
    """Graph calls to the simulator with our token (or another)."""

    def __init__(self, base: str, token: str = TOKEN, version: str = "v24.0") -> None:
        self.base = base
        self.root = f"{base}/{version}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(f"{self.root}{path}", timeout=5, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.post(f"{self.root}{path}", timeout=5, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.delete(f"{self.root}{path}", timeout=5, **kwargs)

    def send(self, body: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.post(f"/{PHONE_NUMBER_ID}/messages", json=body, **kwargs)


def assert_error(response: requests.Response, status: int, code: int, *, details: str | None = None,
                 subcode: int | None = None) -> dict[str, Any]:
    """The answer is Meta's error envelope with this HTTP status and code; returns the error object."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert len(error["fbtrace_id"]) >= 20
    if subcode is not None:
        assert error["error_subcode"] == subcode
    if details is not None:
        assert details in error["error_data"]["details"], error["error_data"]["details"]
    return error


def webhook_values(webhooks: list[tuple[bytes, dict[str, str]]], field: str | None = None) -> list[dict[str, Any]]:
    """The signature-checked ``value`` of every webhook (of one field if given)."""
    values = []
    for body, headers in webhooks:
        change = verify(body, headers)["entry"][0]["changes"][0]
        if field is None or change["field"] == field:
            values.append(change["value"])
    return values


def verify(body: bytes, headers: dict[str, str], secret: str = SECRET) -> dict[str, Any]:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], expected)
    assert headers["Content-Type"] == "application/json"
    return json.loads(body)


def statuses(webhooks: list[tuple[bytes, dict[str, str]]]) -> list[dict[str, Any]]:
    found = []
    for body, headers in webhooks:
        value = verify(body, headers)["entry"][0]["changes"][0]["value"]
        found.extend(value.get("statuses", []))
    return found


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.005)
    pytest.fail("condition not met in time")
