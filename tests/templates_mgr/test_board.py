"""The board by status, the detail page with the whole history, usage rates, and the notices a
submitter gets when Meta decides — each fixture webhook showing up where a template manager looks."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import Contact, Conversation, Message
from templates_mgr.models import TemplateNotice
from templates_mgr.services.usage import usage_for

from ..conftest import load_fixture
from .conftest import make_template

pytestmark = pytest.mark.django_db
BOARD = reverse("templates_mgr:template-list")


def _row(html: str, template) -> str:
    return html.split(f'id="template-{template.pk}"')[1].split("</tr>")[0]


def _group(html: str, status: str) -> str:
    return html.split(f'id="status-{status}"')[1].split("</section>")[0]


@pytest.fixture
def order_confirmation(account, manager):
    """Ours, submitted by the manager; the approved, paused and disabled samples are about it."""
    template = make_template(account, "order_confirmation", template_id="1689556908129832", status="PENDING", created_by=manager)
    template.status_changed_at = datetime(2025, 6, 1, tzinfo=UTC)
    template.submitted_at = template.status_changed_at
    template.save()
    return template


def test_it_groups_templates_by_status_with_time_in_review(client, manager, account):
    pending = make_template(account, "waiting", status="PENDING", submitted_at=timezone.now() - timedelta(hours=5))
    pending.status_changes.create(new_status="PENDING", source="user", occurred_at=timezone.now() - timedelta(hours=5, minutes=3))
    make_template(account, "live", status="APPROVED", quality_score="GREEN")
    make_template(account, "archived_one", status="ARCHIVED")
    make_template(account, "gone", status="DELETED")
    client.force_login(manager)

    html = client.get(BOARD).text

    assert "in review for 5 h 3 min" in _row(html, pending)
    assert "waiting" in _group(html, "PENDING") and "live" in _group(html, "APPROVED")
    assert "archived_one" in _group(html, "OTHER") and "Archived" in _group(html, "OTHER")
    assert "gone" not in html
    assert "gone" in client.get(BOARD, {"deleted": "1"}).text
    assert html.index('id="status-PENDING"') < html.index('id="status-APPROVED"')


def test_a_rejection_webhook_shows_the_reason_and_meta_s_recommendation(client, manager, account, post_webhook):
    post_webhook(load_fixture("webhook_template_status_rejected.json"))
    client.force_login(manager)

    html = client.get(BOARD).text

    rejected = _group(html, "REJECTED")
    assert "abandoned_cart" in rejected and "INVALID_FORMAT" in rejected
    assert "The body has two variables with nothing between them." in rejected
    assert "Meta suggests:" in rejected and "Put words or punctuation between" in rejected
    template = account.templates.get(name="abandoned_cart")
    history = client.get(reverse("templates_mgr:template-detail", args=[template.pk])).text.split("<h2>History</h2>")[1]
    assert "→ <strong>REJECTED" in history and "INVALID_FORMAT" in history and "Webhook" in history


def test_pause_and_disable_webhooks_show_on_the_board_and_in_the_history(client, manager, order_confirmation, post_webhook):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    post_webhook(load_fixture("webhook_template_status_paused.json"))
    client.force_login(manager)
    assert "FIRST_PAUSE" in _group(client.get(BOARD).text, "PAUSED")

    post_webhook(load_fixture("webhook_template_status_disabled.json"))
    board = client.get(BOARD).text
    detail = client.get(reverse("templates_mgr:template-detail", args=[order_confirmation.pk])).text

    assert "order_confirmation" in _group(board, "DISABLED")
    history = detail.split("<h2>History</h2>")[1]
    assert [step in history for step in ("PENDING → <strong>APPROVED", "APPROVED → <strong>PAUSED", "PAUSED → <strong>DISABLED")] == [True] * 3
    assert history.count("Webhook") == 3
    assert "Disabled on" in detail and "Meta does not allow deleting disabled templates." in detail


def test_an_impending_category_change_shows_with_its_date(client, manager, account, post_webhook):
    post_webhook(load_fixture("webhook_template_category_update_impending.json"))
    client.force_login(manager)

    html = client.get(BOARD).text

    assert "becomes Marketing on 2 May 2025" in html
    post_webhook(load_fixture("webhook_template_category_update.json"))
    assert "was " in client.get(BOARD).text


def test_the_detail_page_shows_who_did_what(client, manager, account, meta_user_history=None):
    template = make_template(account, "mine", status="APPROVED", created_by=manager, submitted_at=timezone.now())
    now = timezone.now()
    template.status_changes.create(new_status="PENDING", source="user", user=manager, occurred_at=now - timedelta(hours=2), details={"action": "submitted"})
    template.status_changes.create(old_status="PENDING", new_status="APPROVED", source="sync", occurred_at=now - timedelta(hours=1))
    client.force_login(manager)

    html = client.get(reverse("templates_mgr:template-detail", args=[template.pk])).text

    assert "User · tina" in html and "(submitted)" in html and "Sync" in html
    assert "1 h" in html  # how long it stayed pending


def test_usage_counts_sends_and_rates_in_one_query(client, manager, account, phone, django_assert_num_queries):
    used = make_template(account, "order_update", status="APPROVED")
    unused = make_template(account, "other", status="APPROVED")
    contact = Contact.objects.create(account=account, wa_id="16505551234")
    conversation = Conversation.objects.create(contact=contact, phone_number=phone)
    payload = {"name": "order_update", "language": {"code": "en_US", "policy": "deterministic"}}
    for status in ("read", "read", "delivered", "failed", "sent"):
        Message.objects.create(conversation=conversation, direction="out", type="template", payload=payload, status=status)
    Message.objects.create(conversation=conversation, direction="out", type="template", status="read",
                           payload={**payload, "language": {"code": "pt_BR"}})

    with django_assert_num_queries(1):
        usage = usage_for([used, unused])

    assert (usage[used.pk].sends, usage[used.pk].delivered_rate, usage[used.pk].read_rate, usage[used.pk].failed_rate) == (5, 60, 40, 20)
    assert usage[unused.pk].sends == 0
    client.force_login(manager)
    assert "5 sent · 60% delivered · 40% read · 20% failed" in client.get(BOARD).text


def test_the_submitter_is_told_when_meta_decides(client, manager, order_confirmation, post_webhook):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    post_webhook(load_fixture("webhook_template_status_paused.json"))
    client.force_login(manager)

    page = client.get(BOARD).text

    assert "Your template order_confirmation (en_US) was approved: it can be sent now." in page
    assert "was paused by Meta for low quality. Your WhatsApp message template has been paused for 3 hours" in page
    notice = TemplateNotice.objects.filter(status="APPROVED").get()
    assert client.post(reverse("templates_mgr:notice-dismiss", args=[notice.pk]), {"next": BOARD})["Location"] == BOARD
    assert "was approved: it can be sent now" not in client.get(BOARD).text


def test_a_rejection_notice_carries_the_reason(manager, account, post_webhook):
    make_template(account, "abandoned_cart", language="en", template_id="1204417785396251", status="PENDING", created_by=manager)

    post_webhook(load_fixture("webhook_template_status_rejected.json"))

    assert TemplateNotice.objects.get().text == (
        "Your template abandoned_cart (en) was rejected. Reason: The body has two variables with nothing between them.. "
        "Meta suggests: Put words or punctuation between {{1}} and {{2}} so each variable has context."
    )


def test_nobody_else_gets_the_notice_and_nobody_can_dismiss_another_s(client, manager, operator, order_confirmation, post_webhook):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    notice = TemplateNotice.objects.get()
    client.force_login(operator)

    assert "was approved" not in client.get(reverse("templates_mgr:conversation-start")).text
    client.post(reverse("templates_mgr:notice-dismiss", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.seen_at is None


def test_dismissing_by_htmx_returns_nothing_to_swap_in(client, manager, order_confirmation, post_webhook):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    client.force_login(manager)

    response = client.post(reverse("templates_mgr:notice-dismiss", args=[TemplateNotice.objects.get().pk]), HTTP_HX_REQUEST="true")

    assert (response.status_code, response.content) == (200, b"")
    assert client.post(reverse("templates_mgr:notice-dismiss", args=[1]), {"next": "https://evil.example/"})["Location"] == BOARD


def test_the_board_and_detail_need_a_login_the_permission_and_the_account(client, operator, foreign_manager, manager, account):
    template = make_template(account, "ours")
    detail = reverse("templates_mgr:template-detail", args=[template.pk])
    assert client.get(BOARD)["Location"].startswith(reverse("login"))
    assert client.get(detail)["Location"].startswith(reverse("login"))
    client.force_login(operator)
    assert (client.get(BOARD).status_code, client.get(detail).status_code) == (403, 403)
    client.force_login(foreign_manager)
    assert "ours" not in client.get(BOARD).text
    assert client.get(detail).status_code == 404
    client.force_login(manager)
    assert client.get(reverse("templates_mgr:template-detail", args=[999999])).status_code == 404
    assert client.get(BOARD, {"account": "nonsense"}).status_code == 200


def test_dismissing_needs_a_login(client):
    response = client.post(reverse("templates_mgr:notice-dismiss", args=[1]))

    assert response["Location"].startswith(reverse("login"))
