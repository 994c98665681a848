"""Concurrent webhooks in one process share one commit on PostgreSQL: each answered after it, once."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from cloudapi.signature import sign
from messaging.models import WebhookEvent

from ..conftest import APP_SECRET, PHONE_NUMBER_ID, load_fixture, skip_unless_required

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 12


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        skip_unless_required("group commit is PostgreSQL's path: needs DATABASE_URL=postgres://…", required_by="SWITCHBOARD_REQUIRE_SERVICES")


def _status_body(n: int) -> bytes:
    payload = load_fixture("webhook_status_read.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    value["statuses"][0]["id"] = f"wamid.group.{n}"
    return json.dumps(payload).encode()


def _post_together(bodies: list[tuple[bytes, str]]) -> list[int]:
    """POST every (body, secret) from its own thread, all released at once; their HTTP codes."""
    start, codes = threading.Barrier(len(bodies)), [0] * len(bodies)

    def post(k: int) -> None:
        body, secret = bodies[k]
        start.wait()
        try:
            codes[k] = Client().post(reverse("messaging:webhook"), data=body, content_type="application/json",
                                     HTTP_X_HUB_SIGNATURE_256=sign(body, secret)).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(k,)) for k in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_it_stores_each_of_many_concurrent_events_once(phone):
    redelivered = _status_body(0)
    Client().post(reverse("messaging:webhook"), data=redelivered, content_type="application/json",
                  HTTP_X_HUB_SIGNATURE_256=sign(redelivered, APP_SECRET))
    bodies = [(redelivered, APP_SECRET), (_status_body(1), APP_SECRET)] * 2  # each body twice, at once
    bodies += [(_status_body(n), APP_SECRET) for n in range(2, THREADS)]

    codes = _post_together(bodies)

    assert codes == [200] * len(bodies)
    assert WebhookEvent.objects.count() == THREADS
    assert sorted(WebhookEvent.objects.values_list("body", flat=True)) == sorted({b.decode() for b, _ in bodies})


def test_a_forged_request_among_concurrent_ones_is_refused_alone(phone):
    bodies = [(_status_body(n), APP_SECRET) for n in range(THREADS - 1)] + [(_status_body(99), "not-the-app-secret")]

    codes = _post_together(bodies)

    assert codes == [200] * (THREADS - 1) + [403]
    assert WebhookEvent.objects.count() == THREADS - 1
    assert not WebhookEvent.objects.filter(body__contains="wamid.group.99").exists()
