"""A campaign's send that waits for the number's window queues the campaign's next recipients
meanwhile (messaging's ``while_waiting`` job, registered by the campaigns app): up to the rate's lead,
never past a pause, and never skipping anyone because Meta paused the template."""

import pytest

from campaigns.models import Campaign, CampaignRecipient
from campaigns.services import dispatch, running
from messaging.models import Message
from messaging.services import while_waiting
from templates_mgr.models import MessageTemplate

from .conftest import add_contacts, add_template, make_campaign

pytestmark = pytest.mark.django_db
Recipient = CampaignRecipient.State
MORE = [(f"4474001{n:05d}", f"Guest {n}", f"G-{n}") for n in range(7)]


@pytest.fixture
def launched(simulator, account, phone, audience, admin):
    """Ten recipients at 1 msg/s (a lead of 3 in the pipeline), launched; no task has run yet."""
    add_contacts(account, MORE, label=account.labels.get(name="vip"))
    campaign = make_campaign(account, phone, add_template(account, simulator), audience[0], rate_cap=1)
    running.launch(campaign, user=admin)  # committed; its dispatcher's first tick has not run
    return Campaign.objects.get(pk=campaign.pk)


def _waiting_send(campaign) -> Message:
    return Message(rate_group=campaign.rate_group)  # what the send waiting for the window carries


def _states(campaign) -> dict[str, int]:
    counts = {}
    for state in campaign.recipients.values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts


def test_the_campaigns_app_adds_its_job_to_what_a_waiting_send_does():
    assert dispatch.top_up_while_waiting in while_waiting._jobs


def test_a_waiting_send_queues_the_next_recipients_up_to_the_rates_lead(launched):
    while_waiting.use_wait(_waiting_send(launched), 1.0)

    lead = 1 * dispatch.AHEAD_SECONDS
    assert _states(launched) == {Recipient.QUEUED: lead, Recipient.PENDING: 10 - lead}
    queued = launched.recipients.filter(state=Recipient.QUEUED)
    assert all(r.message.status == Message.Status.QUEUED and r.message.uuid == r.uuid for r in queued)

    while_waiting.use_wait(_waiting_send(launched), 1.0)  # the pipeline is full: nothing more
    assert _states(launched)[Recipient.QUEUED] == lead


def test_a_wait_too_short_to_use_queues_nothing(launched):
    while_waiting.use_wait(_waiting_send(launched), while_waiting.USE_WAITS_FROM / 2)

    assert _states(launched) == {Recipient.PENDING: 10}


def test_a_console_send_waiting_queues_no_campaign(launched):
    while_waiting.use_wait(Message(rate_group=""), 1.0)

    assert _states(launched) == {Recipient.PENDING: 10}


def test_a_paused_campaign_is_not_topped_up(launched, admin):
    running.pause(launched, user=admin)

    while_waiting.use_wait(_waiting_send(launched), 1.0)

    assert _states(launched) == {Recipient.PENDING: 10}


def test_a_template_meta_paused_skips_nobody_while_waiting(launched):
    MessageTemplate.objects.filter(pk=launched.template_id).update(status=MessageTemplate.Status.PAUSED)

    while_waiting.use_wait(_waiting_send(launched), 1.0)

    assert _states(launched) == {Recipient.PENDING: 10}  # the dispatcher's next tick pauses the campaign
