"""Property: mangled versions of Meta's real payloads never crash us and never half-write.

Hypothesis takes every webhook payload in fixtures/cloudapi/, mutates it (drops keys, swaps
values for other types, random strings, huge numbers, NUL characters, lone surrogates,
duplicated list items, truncated or corrupted bytes) and throws it at the processor and,
signed, at the view. Whatever comes in:

* the view answers 200 (Meta would retry anything else for 7 days), never 500;
* the event ends ``processed``, ``rejected`` or ``unroutable`` — never ``pending``, and never
  ``failed`` (that state means a Python error in our code: a bug);
* a ``rejected`` event wrote nothing: every row of our apps is as it was.

Each example runs inside a savepoint that is rolled back, so every example starts from the
same database.
"""

import hashlib
import json
import os
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client, TestCase
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import PhoneNumber
from cloudapi.signature import sign
from messaging.models import Message, WebhookEvent
from messaging.webhook_events import process_webhook_event

from .. import factories
from ..conftest import APP_SECRET, FIXTURES

pytestmark = pytest.mark.django_db

PAYLOADS = {path.name: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("webhook_*.json"))}
OUR_APPS = {"accounts", "messaging", "templates_mgr", "media_lib"}
ENDED = {WebhookEvent.State.PROCESSED, WebhookEvent.State.REJECTED, WebhookEvent.State.UNROUTABLE}
PROPERTY_SETTINGS = settings(
    # 30 keeps `make test` fast; .ci/run sets WEBHOOK_PROPERTY_EXAMPLES=150, and 5000 is a deep search.
    max_examples=int(os.environ.get("WEBHOOK_PROPERTY_EXAMPLES", "30")),
    deadline=None,
    database=None,  # no .hypothesis/ directory in the tree; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY_STRINGS = st.sampled_from(
    ["", " ", "\x00", "nul\x00inside", "\ud83d", "wamid.xyzxyz", "9" * 80, "STOP", "user_changed_number",
     "nfm_reply", "{not json", '{"flow_token": 1}', "ACTIVATED", "DEACTIVATED", "x" * 5000]
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=2**63, max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    NASTY_STRINGS,
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


def _walk(value: Any, found: list) -> list:
    """Every (container, key) pair in a JSON tree, so one can be picked and mutated."""
    if isinstance(value, dict):
        for key in list(value):
            found.append((value, key))
            _walk(value[key], found)
    elif isinstance(value, list):
        for index in range(len(value)):
            found.append((value, index))
            _walk(value[index], found)
    return found


@st.composite
def mutated_bodies(draw) -> bytes:
    payload = json.loads(json.dumps(PAYLOADS[draw(st.sampled_from(sorted(PAYLOADS)))]))
    # Mostly inside the change values, where the handlers read; sometimes anywhere (the envelope).
    values = [c["value"] for e in payload["entry"] for c in e["changes"]]
    inside_values = draw(st.integers(min_value=0, max_value=3)) > 0
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        spots = [spot for value in values for spot in _walk(value, [])] if inside_values else _walk(payload, [])
        if not spots:
            break
        container, key = draw(st.sampled_from(spots))
        operation = draw(st.sampled_from(["drop", "replace", "replace", "duplicate", "wrap", "stringify"]))
        if operation == "drop":
            del container[key]
        elif operation == "replace":
            container[key] = draw(JSON_VALUES)
        elif operation == "duplicate" and isinstance(container, list):
            container.insert(key, json.loads(json.dumps(container[key])))
        elif operation == "duplicate":  # a key of an object: duplicate the whole object's list entry instead
            container[key + "_copy" if isinstance(key, str) else key] = container[key]
        elif operation == "wrap":
            container[key] = [container[key]]
        else:
            container[key] = json.dumps(container[key])
    body = json.dumps(payload).encode()
    corruption = draw(st.sampled_from(["none", "none", "none", "truncate", "bytes"]))
    if corruption == "truncate":
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]
    elif corruption == "bytes":
        at = draw(st.integers(min_value=0, max_value=len(body)))
        body = body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
    return body


@pytest.fixture
def world(account, add_phone):
    """Every number the fixtures name, and outbound messages for the wamids their statuses name."""
    phone_ids, wamids = set(), set()
    for payload in PAYLOADS.values():
        for entry in payload.get("entry", []):
            for change in entry.get("changes", []):
                value = change.get("value", {})
                phone_id = value.get("metadata", {}).get("phone_number_id")
                if phone_id:
                    phone_ids.add(phone_id)
                wamids.update(s["id"] for s in value.get("statuses", []))
                wamids.update(m.get("reaction", {}).get("message_id", "") for m in value.get("messages", []))
    phones = [add_phone(phone_id, phone_id[:15]) for phone_id in sorted(phone_ids)]
    conv = factories.conversation(phones[0], wa_id="972987654321")
    for wamid in sorted(w for w in wamids if w):
        factories.outbound(conv, wamid=wamid)
    factories.outbound(conv, wamid="wamid.zzzzzz")  # the edit/revoke target
    return account


@pytest.fixture
def before(world) -> dict[str, list[str]]:
    """The world's rows, once per test: every example starts from them (its savepoint is rolled back)."""
    return _snapshot()


def _snapshot() -> dict[str, list[str]]:
    """Every row of our apps except the events themselves (tiny in this test)."""
    return {
        model._meta.label: sorted(repr(row) for row in model.objects.values_list())
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model is not WebhookEvent
    }


def _check(event: WebhookEvent, before: dict) -> None:
    assert event.state in ENDED, f"event ended {event.state}: {event.error}"
    if event.state == WebhookEvent.State.REJECTED:
        assert event.error
        assert _snapshot() == before, "a rejected event wrote rows"


@PROPERTY_SETTINGS
@given(body=mutated_bodies())
def test_the_processor_survives_mutated_real_payloads(world, before, body):
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            # Stored as the receiver stores it (PostgreSQL text cannot hold NUL).
            account=world,
            body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
            body_sha256=hashlib.sha256(body).hexdigest(),
        )

        _check(process_webhook_event(event_id=event.pk), before)

        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(body=mutated_bodies())
def test_the_view_survives_mutated_real_payloads_signed(world, before, body):
    with transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):  # the (eager) processing task runs
            response = Client().post(
                reverse("messaging:webhook"),
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
            )

        assert response.status_code == 200
        _check(WebhookEvent.objects.get(), before)
        transaction.set_rollback(True)


def test_the_unmutated_payloads_all_end_well(world, post_webhook):
    """The baseline of the properties: every real payload, as Meta sent it, is processed."""
    for name, payload in PAYLOADS.items():
        post_webhook(payload)
        event = WebhookEvent.objects.order_by("-pk").first()
        assert event.state in ENDED and event.state != WebhookEvent.State.REJECTED, (name, event.state, event.error)
    assert Message.objects.filter(direction="in").exists()
    assert PhoneNumber.objects.count() >= 5
