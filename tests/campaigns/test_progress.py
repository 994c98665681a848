"""A campaign's progress, counted from its recipient rows and their messages as Meta's statuses and
the customers' replies arrive: the funnel, failures and suppressions by reason."""

import pytest

from campaigns.services import running
from campaigns.services.progress import progress

from ..conftest import PHONE_NUMBER_ID
from .conftest import add_template, make_campaign

pytestmark = pytest.mark.django_db


def test_the_funnel_follows_statuses_and_replies(simulator, account, phone, audience, admin, run_worker,
                                                 deliver_webhooks, django_assert_max_num_queries):
    segment, (ana, ben, chitra) = audience
    ben.opted_out = True
    ben.save()
    simulator.mark_undeliverable(chitra.wa_id)
    campaign = make_campaign(account, phone, add_template(account, simulator, name="offer", category="MARKETING"),
                             segment)
    run_worker(running.launch, campaign, user=admin)

    before = progress(campaign)
    assert (before.total, before.sent, before.delivered, before.failed) == (3, 2, 0, 0)
    assert before.suppressed_by_reason == {"Opted out of marketing": 1}

    deliver_webhooks(simulator)
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=ana.wa_id, name="Ana",
                      message={"type": "text", "text": {"body": "Thanks!"}})
    deliver_webhooks(simulator)

    with django_assert_max_num_queries(2):
        after = progress(campaign)
    assert (after.sent, after.delivered, after.read, after.replied) == (1, 1, 1, 1)
    # By reason: Meta's title and code, and its details (a title alone can mislead: 131048 "Spam rate
    # limit hit" is also what a portfolio past its messaging limit meets).
    assert after.failed_by_reason == {"Message undeliverable (131026): Message Undeliverable.": 1}
    assert (after.pending, after.queued, after.done_percent) == (0, 0, 100)
