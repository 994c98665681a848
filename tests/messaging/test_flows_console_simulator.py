"""The flow pages against the simulator: a template manager creates a flow, sees a deliberate JSON error at its
line and column, fixes it, publishes; Meta's status webhooks join the flow's history; preview and health."""

import pytest
import requests
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from messaging.models import Flow

pytestmark = pytest.mark.django_db

WITH_A_TYPO = """{
  "version": "7.3",
  "screens": [
    {
      "id": "WELCOME",
      "title": "Welcome",
      "terminal": true,
      "layout": {
        "type": "SingleColumnLayout",
        "children": [
          {"type": "TextBdy", "text": "Hello!"},
          {"type": "Footer", "label": "Done", "on-click-action": {"name": "complete", "payload": {}}}
        ]
      }
    }
  ]
}
"""


@pytest.fixture
def manager(client, phone):
    user = ensure_user(username="tina", password="pw-tina-123", role=roles.TEMPLATE_MANAGER)
    grant_phone_number(user=user, phone_number=phone)
    client.force_login(user)
    return user


def test_a_deliberate_error_shows_at_its_line_and_column_then_the_fixed_flow_is_published(
    client, manager, account, phone, simulator, deliver_webhooks
):
    client.post(reverse("messaging:flow-create"), {"account": account.pk, "name": "Welcome", "categories": ["OTHER"]})
    flow = Flow.objects.get(name="Welcome")
    editor = reverse("messaging:flow-json", args=[flow.pk])

    page = client.post(editor, {"flow_json": WITH_A_TYPO}, follow=True).content.decode()

    column = WITH_A_TYPO.splitlines()[10].index('"TextBdy"') + 1
    assert f'data-line-start="11" data-column-start="{column}"' in page
    assert "Invalid value found for property &#x27;type&#x27;." in page
    assert "screens[0].layout.children[0].type" in page
    refused = client.post(reverse("messaging:flow-publish", args=[flow.pk]), follow=True).content.decode()
    assert "validation errors" in refused

    fixed = client.post(editor, {"flow_json": WITH_A_TYPO.replace("TextBdy", "TextBody")}, follow=True)
    published = client.post(reverse("messaging:flow-publish", args=[flow.pk]), follow=True)
    assert deliver_webhooks(simulator) == [200, 200]  # created (DRAFT), then PUBLISHED

    assert "Meta found no problem in the JSON" in fixed.content.decode()
    assert "is published" in published.content.decode()
    flow.refresh_from_db()
    assert flow.status == "PUBLISHED" and flow.json_versions.count() == 2
    webhook_steps = [(s.old_status, s.new_status) for s in flow.history.filter(source="webhook").order_by("id")]
    assert webhook_steps == [("", "DRAFT"), ("DRAFT", "PUBLISHED")]

    client.post(reverse("messaging:flow-preview", args=[flow.pk]))
    client.post(reverse("messaging:flow-health", args=[flow.pk]), {"phone_number": phone.pk})
    flow.refresh_from_db()
    assert requests.get(flow.preview_url, timeout=5).status_code == 200
    assert flow.health_status["can_send_message"] == "AVAILABLE"
    assert {e["entity_type"] for e in flow.health_status["entities"]} == {"FLOW", "WABA", "BUSINESS", "APP"}


def test_a_blocked_flow_says_why_and_what_to_do(client, manager, account, phone, simulator, deliver_webhooks):
    client.post(reverse("messaging:flow-create"), {"account": account.pk, "name": "Risky", "categories": ["OTHER"]})
    flow = Flow.objects.get(name="Risky")
    client.post(reverse("messaging:flow-json", args=[flow.pk]), {"flow_json": WITH_A_TYPO.replace("TextBdy", "TextBody")})
    client.post(reverse("messaging:flow-publish", args=[flow.pk]))
    simulator.set_flow_status(flow.flow_id, "BLOCKED")
    deliver_webhooks(simulator)

    client.post(reverse("messaging:flow-health", args=[flow.pk]), {"phone_number": phone.pk})
    page = client.get(reverse("messaging:flow-detail", args=[flow.pk])).content.decode()

    assert "PUBLISHED → <strong>BLOCKED</strong>" in page
    assert "The flow is blocked" in page and "Meta suggests:" in page
