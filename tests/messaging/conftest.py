"""Fixtures of the messaging tests: flows at the simulator, reached through our data endpoint."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from accounts.graph import client_for
from accounts.services.flow_keys import ensure_flow_key_uploaded
from messaging.flow_handlers.appointments import FLOW_JSON
from messaging.models import AppointmentSlot, Conversation, Flow

from ..conftest import PHONE_NUMBER_ID, WABA_ID
from ..real_worker import empty_task_queue, not_eager  # noqa: F401 (not_eager: a fixture)

FLOW_CUSTOMER = "16505551234"


def through_django(client):
    """How the simulator reaches our endpoint in a test: Django's test client instead of a socket."""

    def post(url, body, headers):
        response = client.post(urlsplit(url).path, data=body, content_type=headers["Content-Type"],
                               HTTP_X_HUB_SIGNATURE_256=headers["X-Hub-Signature-256"])
        return response.status_code, response.content.decode()

    return post


@pytest.fixture
def booking(simulator, account, phone, deliver_webhooks):
    """A published appointment flow at the simulator with our endpoint and key, a free slot, and a
    customer who wrote (their conversation open)."""
    ensure_flow_key_uploaded(phone=phone, actor=None)
    api = client_for(account)
    flow_id = api.create_flow(waba_id=WABA_ID, name="Booking", categories=["APPOINTMENT_BOOKING"],
                              endpoint_uri="https://switchboard.example/flows/endpoint/")
    assert api.upload_flow_json(flow_id=flow_id, flow_json=FLOW_JSON.read_text()) == []
    api.publish_flow(flow_id=flow_id)
    flow = Flow.objects.create(account=account, flow_id=flow_id, name="Booking", status="PUBLISHED",
                               endpoint_handler="appointment_booking")
    slot = AppointmentSlot.objects.create(account=account, label="Dr Rao", starts_at=timezone.now().replace(
        second=0, microsecond=0) + timedelta(days=1))
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=FLOW_CUSTOMER, name="Sheena",
                      message={"type": "text", "text": {"body": "I'd like an appointment"}})
    deliver_webhooks(simulator)
    return {"flow": flow, "slot": slot, "conversation": Conversation.objects.get(), "api": api}


@pytest.fixture
def broker(not_eager):
    """A real broker instead of eager runs (the configured one: in memory under the test settings,
    Redis in .ci/run), emptied first: what the task publishes can be read back."""
    from config.celery import app

    empty_task_queue()  # what an earlier test left there (media_lib's on_a_worker retries) is not this test's
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue)
        yield queue
        queue.clear()
        queue.close()
