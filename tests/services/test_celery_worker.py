"""The real thing: PostgreSQL, Redis, a Celery worker process, the simulator and the signed webhook.

Runs when DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is Redis (``.ci/run`` sets both and
SWITCHBOARD_REQUIRE_SERVICES, which turns a skip into a failure).
"""


import pytest

from messaging.models import Conversation, Message
from messaging.services.compose import text_draft
from messaging.services.sending import send_draft

from ..conftest import PHONE_NUMBER_ID
from ..real_worker import live_simulator, not_eager, real_services, start_worker, wait_for  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(start_worker):
    return start_worker("worker")


def test_a_message_goes_out_through_a_real_worker_and_comes_back_read(phone, not_eager, live_simulator, worker):
    sim, _url = live_simulator

    # A customer writes: the simulator posts the signed webhook to the live server, the worker applies it.
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id="16505551234", name="Sheena", message={"type": "text", "text": {"body": "hi"}})
    conversation = wait_for(lambda: Conversation.objects.first(), timeout=60, what="the inbound message")
    assert conversation.window_is_open()

    # The reply is queued, sent by the worker, and its statuses come back through the webhook.
    message = send_draft(conversation=conversation, draft=text_draft(body="Hello from a real worker"))
    wait_for(lambda: Message.objects.get(pk=message.pk).status == "read", timeout=60, what="the message to be read")

    message.refresh_from_db()
    assert message.wamid.startswith("wamid.")
    assert [e.status for e in message.status_events.order_by("timestamp", "id")] == ["sent", "delivered", "read"]
    assert len(sim.sent_messages()) == 1
