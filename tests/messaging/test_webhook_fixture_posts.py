"""``post_webhook`` posts a payload file from fixtures/cloudapi/ by name, exactly as Meta sent it, signed."""

import pytest

from messaging.models import Message, WebhookEvent

pytestmark = pytest.mark.django_db


def test_a_fixture_named_by_file_arrives_signed_and_shows_in_the_thread(post_webhook, phone):
    response = post_webhook("webhook_message_text.json")

    assert response.status_code == 200
    assert Message.objects.get().text == "Does it come in another color?"


def test_the_same_file_signed_by_another_secret_is_refused(post_webhook, phone):
    response = post_webhook("webhook_message_text.json", secret="not-the-app-secret")

    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
