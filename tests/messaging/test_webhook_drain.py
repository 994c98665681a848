"""The drain: pending events applied in arrival order, a bad one never holding back the others."""

import json

import pytest

from messaging.models import Message, WebhookEvent
from messaging.webhook_events import drain_webhook_events

from .. import factories
from ..conftest import load_fixture

pytestmark = pytest.mark.django_db


def _inbound(wamid: str) -> str:
    payload = load_fixture("webhook_message_text.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = wamid
    return json.dumps(payload)


def test_it_applies_every_pending_event_and_marks_the_bad_one(phone):
    first = factories.stored_webhook(phone.account, _inbound("wamid.first"))
    broken = factories.stored_webhook(phone.account, '{"object": "whatsapp_business_account", "entry": [{"changes": [7]}]}')
    last = factories.stored_webhook(phone.account, _inbound("wamid.last"))

    assert drain_webhook_events(limit=100) == 3

    states = dict(WebhookEvent.objects.values_list("pk", "state"))
    assert states == {first.pk: "processed", broken.pk: "rejected", last.pk: "processed"}
    assert set(Message.objects.values_list("wamid", flat=True)) == {"wamid.first", "wamid.last"}


def test_it_stops_at_its_limit_and_leaves_the_rest_pending(phone):
    for n in range(5):
        factories.stored_webhook(phone.account, _inbound(f"wamid.{n}"))

    assert drain_webhook_events(limit=2) == 2

    assert WebhookEvent.objects.filter(state="pending").count() == 3
    assert drain_webhook_events(limit=100) == 3
    assert Message.objects.count() == 5
