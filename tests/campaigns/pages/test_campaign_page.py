"""The campaign page: the live progress partial, the send rate chart, the cost so far, the CSV export."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from html import unescape

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign, CampaignRecipient, PricingRate
from campaigns.selectors import SETTLE_SECONDS
from messaging.models import Message, MessageSendAttempt, MessageStatusEvent
from messaging.services.maintenance import STUCK_SENDING_AFTER

from .conftest import contact, recipient

R = CampaignRecipient.State


def _running(campaign):
    campaign.state = Campaign.State.RUNNING
    campaign.save()
    return campaign


def _count(html: str, name: str) -> str:
    start = html.index(f'id="count-{name}">') + len(f'id="count-{name}">')
    return html[start:html.index("<", start)]


def test_the_progress_partial_counts_the_recipient_and_message_rows(admin_client, campaign, audience):
    _running(campaign)
    delivered = recipient(campaign, audience["ready"], status=Message.Status.DELIVERED, wamid="wamid.1")
    recipient(campaign, audience["ready2"], status=Message.Status.FAILED, error_code=131049,
              error_title="This message was not delivered to maintain healthy ecosystem engagement.")
    recipient(campaign, audience["opted_out"], state=R.SUPPRESSED, reason="Opted out of marketing")
    recipient(campaign, audience["missing"], state=R.SKIPPED, reason="Missing code (for body.2)")
    url = reverse("campaigns:campaign-progress", args=[campaign.pk])

    html = admin_client.get(url).content.decode()

    assert _count(html, "delivered") == "1" and _count(html, "failed") == "1"
    assert _count(html, "suppressed") == "1" and _count(html, "skipped") == "1"
    assert "(131049)" in html[html.index('id="failed"'):]  # failed, by reason
    assert "Opted out of marketing" in html[html.index('id="suppressed"'):]
    assert 'hx-trigger="every 2s"' in html  # still running: the page keeps polling

    # The webhook moves the message on; the next poll shows it.
    Message.objects.filter(pk=delivered.message_id).update(status=Message.Status.READ)
    assert _count(admin_client.get(url).content.decode(), "read") == "1"


def test_the_bar_fills_as_recipients_finish_and_polling_stops_when_the_campaign_ends(admin_client, campaign, audience):
    _running(campaign)
    waiting = [recipient(campaign, c, state=R.PENDING) for c in (audience["ready"], audience["ready2"])]
    url = reverse("campaigns:campaign-progress", args=[campaign.pk])
    assert 'value="0"' in admin_client.get(url).content.decode()

    for row in waiting:
        row.delete()
        recipient(campaign, row.contact, status=Message.Status.DELIVERED)
    campaign.state, campaign.finished_at = Campaign.State.COMPLETED, timezone.now()
    campaign.save()

    html = admin_client.get(url).content.decode()
    assert 'id="progress-bar" max="100" value="100"' in html
    assert 'hx-trigger="every 30s"' in html  # just ended: deliveries and reads still come in, fewer

    campaign.finished_at = timezone.now() - timedelta(seconds=SETTLE_SECONDS + 1)
    campaign.save()
    assert "hx-trigger" not in admin_client.get(url).content.decode()


def test_messages_left_sending_by_a_stopped_worker_are_explained_with_when_they_go_again(admin_client, campaign,
                                                                                         audience):
    _running(campaign)
    recipient(campaign, audience["ready"], state=R.QUEUED, status=Message.Status.SENDING)  # just claimed: fine
    url = reverse("campaigns:campaign-progress", args=[campaign.pk])
    assert 'id="stalled"' not in admin_client.get(url).content.decode()

    stopped = recipient(campaign, audience["ready2"], state=R.QUEUED, status=Message.Status.SENDING)
    claimed = timezone.now() - timedelta(minutes=3)
    Message.objects.filter(pk=stopped.message_id).update(updated_at=claimed)

    html = admin_client.get(url).content.decode()
    notice = html[html.index('id="stalled"'):]
    assert notice.startswith('id="stalled">1 message has been')
    resent = timezone.localtime(claimed + STUCK_SENDING_AFTER)
    assert f'{resent:%H:%M}</time> if none arrives.' in notice
    Message.objects.filter(pk=stopped.message_id).update(updated_at=claimed - STUCK_SENDING_AFTER)
    assert "sent again by the next sweep (due since" in admin_client.get(url).content.decode()  # beat is late

    Message.objects.filter(pk=stopped.message_id).update(updated_at=claimed)
    out = io.StringIO()
    call_command("campaign", "status", str(campaign.pk), "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["stalled"] == 1
    assert status["stalled_resent_from"][:16] == (claimed + STUCK_SENDING_AFTER).isoformat()[:16]


def test_failures_show_metas_details_only_where_all_of_a_reason_share_them(admin_client, campaign, audience,
                                                                          account):
    _running(campaign)
    limit = "Message failed to send because the business portfolio reached its messaging limit."
    for who in ("ready", "ready2"):
        row = recipient(campaign, audience[who], status=Message.Status.FAILED, error_code=131048,
                        error_title="Spam rate limit hit")
        Message.objects.filter(pk=row.message_id).update(error_details=limit)
    url = reverse("campaigns:campaign-progress", args=[campaign.pk])
    assert f"<strong>2</strong> Spam rate limit hit (131048): {limit}" in unescape(admin_client.get(url).content.decode())

    other = recipient(campaign, contact(account, "447400123498", "Otto"), status=Message.Status.FAILED,
                      error_code=131048, error_title="Spam rate limit hit")
    Message.objects.filter(pk=other.message_id).update(error_details="Too many messages were blocked.")
    html = unescape(admin_client.get(url).content.decode())
    assert "<strong>3</strong> Spam rate limit hit (131048)</li>" in html  # two kinds: the title alone


def test_a_paused_campaign_shows_why(admin_client, campaign):
    campaign.state, campaign.state_reason = Campaign.State.PAUSED, "Meta paused the template spring_offer (quality)."
    campaign.save()

    html = admin_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()

    banner = html[html.index('id="paused-reason"'):]
    assert "Meta paused the template spring_offer (quality)." in banner[:300]
    assert 'id="resume"' in html and 'id="pause"' not in html


def test_the_rate_chart_counts_accepted_sends_per_second_against_the_limit(admin_client, campaign, audience):
    _running(campaign)
    campaign.rate_cap = 10
    campaign.save()
    second = timezone.now().replace(microsecond=0) - timedelta(seconds=30)
    for index, who in enumerate(("ready", "ready2", "opted_out")):
        row = recipient(campaign, audience[who], status=Message.Status.SENT)
        MessageSendAttempt.objects.create(message=row.message, number=1, duration_ms=5, outcome="accepted",
                                          started_at=second + timedelta(milliseconds=100 * index))
    MessageSendAttempt.objects.create(message=row.message, number=2, duration_ms=5, outcome="retryable",
                                      started_at=second)  # a refused try is not a send

    html = admin_client.get(reverse("campaigns:campaign-rate", args=[campaign.pk])).content.decode()

    spec = json.loads(html[html.index('id="rate-chart-data"'):].split(">", 1)[1].split("</script>", 1)[0])
    assert max(spec["series"][0]["data"]) == 3 and sum(spec["series"][0]["data"]) == 3
    assert set(spec["series"][1]["data"]) == {10}  # the campaign's cap, under the number's 80/s
    assert '<strong id="rate-peak">3</strong>' in html


def _status(message, status, *, pricing, when):
    MessageStatusEvent.objects.create(message=message, wamid=message.wamid, status=status, timestamp=when,
                                      pricing=pricing)


def test_the_cost_so_far_prices_each_charged_delivery_once(admin_client, campaign, audience, account):
    PricingRate.objects.create(category="marketing", country="GB", price=Decimal("0.0500"), currency="USD",
                               valid_from=timezone.localdate() - timedelta(days=30))
    regular = {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}
    free = {"billable": False, "pricing_model": "PMP", "category": "marketing", "type": "free_entry_point"}
    now = timezone.now()
    for who, wamid in (("ready", "wamid.a"), ("ready2", "wamid.b")):
        message = recipient(campaign, audience[who], status=Message.Status.READ, wamid=wamid).message
        _status(message, "sent", pricing=regular, when=now)  # pricing comes on sent and again later
        _status(message, "read", pricing=regular, when=now)
    message = recipient(campaign, audience["opted_out"], status=Message.Status.DELIVERED, wamid="wamid.c").message
    _status(message, "delivered", pricing=free, when=now)
    indian = contact(account, "919876543210", "Ira")
    message = recipient(campaign, indian, status=Message.Status.DELIVERED, wamid="wamid.d").message
    _status(message, "delivered", pricing=regular, when=now)  # no rate for India in the table

    html = admin_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()

    lines = html[html.index('id="cost-lines"'):]
    assert "0.1000 USD" in lines  # two messages to GB at 0.05, each once
    assert "no rate" in lines and "IN" in lines
    assert "1 delivered free of charge" in html


def test_the_cost_so_far_moves_as_pricing_comes_in_and_settles_an_hour_after_the_end(admin_client, campaign,
                                                                                    audience):
    PricingRate.objects.create(category="marketing", country="GB", price=Decimal("0.0500"), currency="USD",
                               valid_from=timezone.localdate() - timedelta(days=30))
    regular = {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}
    _running(campaign)
    page = admin_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()
    url = reverse("campaigns:campaign-cost", args=[campaign.pk])
    assert f'hx-get="{url}"' in page and "No charged delivery yet." in page

    message = recipient(campaign, audience["ready"], status=Message.Status.DELIVERED, wamid="wamid.a").message
    _status(message, "delivered", pricing=regular, when=timezone.now())
    html = admin_client.get(url).content.decode()
    assert '<td id="cost-total">0.0500 USD</td>' in html and 'hx-trigger="every 5s"' in html

    campaign.state, campaign.finished_at = Campaign.State.COMPLETED, timezone.now()
    campaign.save()
    assert 'hx-trigger="every 30s"' in admin_client.get(url).content.decode()
    page = admin_client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()
    assert f'hx-get="{url}"' in page  # the cost still moves…
    # …the send rate no longer does: its chart is not polled
    assert reverse("campaigns:campaign-rate", args=[campaign.pk]) not in page

    campaign.finished_at = timezone.now() - timedelta(seconds=SETTLE_SECONDS)
    campaign.save()
    html = admin_client.get(url).content.decode()
    assert '<td id="cost-total">0.0500 USD</td>' in html and "hx-trigger" not in html


def test_the_export_has_every_recipients_outcome_and_is_safe_in_a_spreadsheet(admin_client, campaign, audience, account):
    recipient(campaign, audience["ready"], status=Message.Status.FAILED, error_code=131049, error_title="Not delivered",
              wamid="wamid.x")
    recipient(campaign, audience["opted_out"], state=R.SUPPRESSED, reason="Opted out of marketing")
    recipient(campaign, contact(account, "447400123499", "=HYPERLINK(\"http://x\")"), state=R.PENDING)

    response = admin_client.get(reverse("campaigns:campaign-export", args=[campaign.pk]))

    assert response["Content-Type"] == "text/csv" and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["WhatsApp number", "Name", "Recipient", "Reason", "Message status"]
    by_number = {row[0]: row for row in rows[1:]}
    assert len(by_number) == 3
    assert by_number["'+447400123401"][4:7] == ["Failed", "131049", "Not delivered"]
    assert by_number["'+447400123403"][3] == "Opted out of marketing"
    assert by_number["'+447400123499"][1].startswith("'=HYPERLINK")
