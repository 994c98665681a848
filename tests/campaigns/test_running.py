"""Running a campaign against the Cloud API simulator: rows first, then sends through the normal
pipeline (in the thread, with our UUID), each recipient exactly once through lost tasks, repeated
dispatchers, pauses and resumes; Meta's stop signals pause it and tell the administrators."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountEvent, AuditEntry
from campaigns.models import Campaign, CampaignRecipient
from campaigns.services import dispatch, planning, running
from campaigns.services.progress import progress
from messaging.models import Message

from .conftest import add_contacts, add_template, make_campaign

pytestmark = pytest.mark.django_db
Recipient = CampaignRecipient.State


@pytest.fixture
def campaign(simulator, account, phone, audience):
    template = add_template(account, simulator)
    return make_campaign(account, phone, template, audience[0])


def _sent_once(simulator, campaign) -> bool:
    counts = simulator.callback_data_counts()
    uuids = {str(u) for u in campaign.recipients.exclude(message=None).values_list("uuid", flat=True)}
    return bool(uuids) and all(counts.get(u) == 1 for u in uuids)


def test_launch_writes_every_row_then_sends_each_through_the_pipeline(
        simulator, campaign, admin, run_worker, deliver_webhooks, account):
    gap = add_contacts(account, [("447400654321", "Gus", "")], label=account.labels.get(name="vip"))[0]

    run_worker(running.launch, campaign, user=admin)

    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.RUNNING
    rows = dict(campaign.recipients.values_list("contact__name", "state"))
    assert rows == {"Ana": Recipient.QUEUED, "Ben": Recipient.QUEUED, "Chitra": Recipient.QUEUED,
                    "Gus": Recipient.SKIPPED}
    assert "body.2 (order)" in campaign.recipients.get(contact=gap).reason
    ana = campaign.recipients.get(contact__name="Ana")
    assert ana.message.uuid == ana.uuid and ana.message.rate_group == campaign.rate_group
    assert ana.message.status == Message.Status.ACCEPTED and ana.message.text == "Hi Ana, your order A-1 is ready."
    assert ana.parameters == {"body.1": "Ana", "body.2": "A-1"}
    assert _sent_once(simulator, campaign) and len(simulator.sent_messages()) == 3

    deliver_webhooks(simulator)  # sent, delivered, read
    run_worker(running.sweep_campaigns)

    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.COMPLETED and campaign.finished_at is not None
    shown = progress(campaign)
    assert (shown.total, shown.sent, shown.delivered, shown.skipped, shown.done_percent) == (4, 3, 3, 1, 100)
    assert AuditEntry.objects.filter(action="campaign.launch", actor=admin).exists()


def test_a_lost_send_task_is_recovered_by_the_sweep_and_sent_once(simulator, campaign, admin, run_worker):
    running.launch(campaign, user=admin)  # committed, but its callbacks never ran: the worker died
    token = Campaign.objects.get(pk=campaign.pk).dispatcher_token
    dispatch.dispatch_tick(campaign_id=campaign.pk, token=token)  # the messages' own tasks are lost too
    assert Message.objects.filter(status=Message.Status.QUEUED).count() == 3
    assert simulator.sent_messages() == []

    run_worker(running.sweep_campaigns)  # too soon: maybe the tasks are only slow
    assert simulator.sent_messages() == []
    later = timezone.now() + dispatch.LOST_AFTER + timedelta(seconds=1)
    run_worker(running.sweep_campaigns, now=later)
    run_worker(running.sweep_campaigns, now=later)  # and again: a claimed message is never sent twice

    assert _sent_once(simulator, campaign) and len(simulator.sent_messages()) == 3


def test_a_second_dispatcher_never_sends_twice(simulator, campaign, admin, run_worker):
    run_worker(running.launch, campaign, user=admin)
    first = Campaign.objects.get(pk=campaign.pk).dispatcher_token
    assert dispatch.start_dispatcher(campaign.pk) is False  # a live dispatcher: no second one
    # A redelivered tick of the live dispatcher, and one of a replaced (stale) one, send nothing more.
    run_worker(dispatch.dispatch_tick, campaign_id=campaign.pk, token=first)
    assert run_worker(dispatch.dispatch_tick, campaign_id=campaign.pk, token="00000000-0000-0000-0000-000000000000") is None
    CampaignRecipient.objects.filter(campaign=campaign).update(state=Recipient.PENDING)  # as if rows were lost
    run_worker(dispatch.dispatch_tick, campaign_id=campaign.pk, token=first)
    assert _sent_once(simulator, campaign) and len(simulator.sent_messages()) == 3


def test_pause_takes_back_queued_messages_and_resume_sends_them_once(simulator, campaign, admin, run_worker):
    running.launch(campaign, user=admin)
    token = Campaign.objects.get(pk=campaign.pk).dispatcher_token
    dispatch.dispatch_tick(campaign_id=campaign.pk, token=token)  # queued, not yet picked up by a worker
    uuids = set(campaign.recipients.values_list("uuid", flat=True))

    paused = running.pause(campaign, user=admin)

    assert paused.state == Campaign.State.PAUSED and "ada" in paused.state_reason
    assert not Message.objects.exists()  # never left: taken back
    assert set(campaign.recipients.values_list("state", flat=True)) == {Recipient.PENDING}
    run_worker(running.sweep_campaigns, now=timezone.now() + timedelta(minutes=5))
    assert simulator.sent_messages() == []
    with pytest.raises(ValidationError):
        running.pause(paused, user=admin)

    run_worker(running.resume, paused, user=admin)

    assert {m.uuid for m in Message.objects.all()} == uuids  # the same UUIDs
    assert _sent_once(simulator, campaign) and len(simulator.sent_messages()) == 3
    assert AuditEntry.objects.filter(action__in=["campaign.pause", "campaign.resume"]).count() == 2


def test_a_template_paused_by_meta_pauses_the_campaign_and_tells_administrators(
        simulator, campaign, admin, run_worker):
    running.launch(campaign, user=admin)
    campaign.template.status = "PAUSED"  # Meta's webhook landed before the first send
    campaign.template.save()
    token = Campaign.objects.get(pk=campaign.pk).dispatcher_token
    assert run_worker(dispatch.dispatch_tick, campaign_id=campaign.pk, token=token) is None

    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and "paused the template order_ready" in campaign.state_reason
    banner = AccountEvent.objects.get(active=True)
    assert banner.audience == AccountEvent.Audience.ADMINISTRATORS and campaign.name in banner.title
    assert simulator.sent_messages() == []
    with pytest.raises(ValidationError) as excinfo:
        running.resume(campaign, user=admin)
    assert "Can't resume yet" in excinfo.value.message_dict["__all__"][0]

    campaign.template.status = "APPROVED"
    campaign.template.save()
    run_worker(running.resume, campaign, user=admin)
    assert not AccountEvent.objects.filter(active=True).exists()
    assert len(simulator.sent_messages()) == 3


def test_pacing_drops_pause_a_running_campaign_once(simulator, campaign, admin, run_worker, phone):
    run_worker(running.launch, campaign, user=admin)
    Message.objects.filter(pk=Message.objects.first().pk).update(status="failed", error_code=132015)
    run_worker(running.sweep_campaigns)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and "132015" in campaign.state_reason
    run_worker(running.resume, campaign, user=admin)  # the old failure doesn't pause it again
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.COMPLETED


def test_the_number_dropping_to_red_pauses_before_the_next_send(simulator, campaign, admin, run_worker, phone):
    running.launch(campaign, user=admin)
    phone.quality_rating = "RED"
    phone.save()
    run_worker(running.sweep_campaigns)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and "RED" in campaign.state_reason
    assert simulator.sent_messages() == []
    with pytest.raises(ValidationError) as excinfo:
        running.resume(campaign, user=admin)
    assert "RED" in excinfo.value.message_dict["__all__"][0]


def test_a_scheduled_campaign_starts_when_its_time_comes(simulator, account, phone, audience, admin, run_worker):
    at = timezone.now() + timedelta(hours=1)
    scheduled = make_campaign(account, phone, add_template(account, simulator), audience[0], scheduled_at=at)
    run_worker(running.launch, scheduled, user=admin)
    scheduled.refresh_from_db()
    assert scheduled.state == Campaign.State.SCHEDULED and scheduled.recipients.count() == 3
    run_worker(running.sweep_campaigns)
    assert simulator.sent_messages() == []
    run_worker(running.sweep_campaigns, now=at + timedelta(seconds=1))
    scheduled.refresh_from_db()
    assert scheduled.state == Campaign.State.RUNNING and len(simulator.sent_messages()) == 3


def test_test_send_goes_to_a_team_member_never_to_the_number_itself(simulator, campaign, admin, run_worker):
    with pytest.raises(ValidationError) as excinfo:
        running.test_send(campaign, user=admin, to_wa_id="+1 555 078 3881")
    assert "131021" in excinfo.value.message_dict["to_wa_id"][0]
    message = run_worker(running.test_send, campaign, user=admin, to_wa_id="+44 7400 111222")
    assert message.text == "Hi Pablo, your order #42 is ready."  # the template's examples
    assert [m["to"].lstrip("+") for m in simulator.sent_messages()] == ["447400111222"]
    assert campaign.recipients.count() == 0


def test_cancel_stops_for_good(simulator, campaign, admin, run_worker):
    running.launch(campaign, user=admin)
    cancelled = running.cancel(campaign, user=admin)
    assert cancelled.state == Campaign.State.CANCELLED and not Message.objects.exists()
    with pytest.raises(ValidationError):
        running.resume(cancelled, user=admin)
    with pytest.raises(ValidationError):
        running.launch(cancelled, user=admin)
    run_worker(running.sweep_campaigns, now=timezone.now() + timedelta(minutes=5))
    assert simulator.sent_messages() == []


def test_meta_pausing_the_template_by_webhook_pauses_the_campaign(simulator, campaign, admin, run_worker,
                                                                   deliver_webhooks):
    running.launch(campaign, user=admin)  # the first tick hasn't run yet
    simulator.pause_template(campaign.template.template_id)
    deliver_webhooks(simulator)  # message_template_status_update: PAUSED
    campaign.template.refresh_from_db()
    assert campaign.template.status == "PAUSED"

    run_worker(running.sweep_campaigns)

    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED and simulator.sent_messages() == []


def test_someone_who_opts_out_after_the_launch_is_not_sent_a_marketing_template(
        simulator, account, phone, audience, admin, run_worker):
    segment, (ana, ben, _chitra) = audience
    offer = make_campaign(account, phone, add_template(account, simulator, name="offer", category="MARKETING"), segment)
    running.launch(offer, user=admin)
    ben.opted_out = True  # STOP, between the launch and the send
    ben.save()
    token = Campaign.objects.get(pk=offer.pk).dispatcher_token
    run_worker(dispatch.dispatch_tick, campaign_id=offer.pk, token=token)
    row = offer.recipients.get(contact=ben)
    assert (row.state, row.reason, row.message) == (Recipient.SUPPRESSED, "Opted out of marketing", None)
    assert len(simulator.sent_messages()) == 2


def test_editing_a_scheduled_campaign_writes_its_rows_again(simulator, account, phone, audience, admin):
    segment, (ana, *_rest) = audience
    at = timezone.now() + timedelta(hours=1)
    scheduled = make_campaign(account, phone, add_template(account, simulator), segment, scheduled_at=at)
    running.launch(scheduled, user=admin)
    assert scheduled.recipients.filter(state=Recipient.PENDING).count() == 3

    planning.update_campaign(scheduled, user=admin, parameters={"body.1": "first_name", "body.2": "city"})

    assert scheduled.recipients.filter(state=Recipient.SKIPPED).count() == 3  # nobody has a city


def test_at_high_rates_helpers_queue_side_by_side_and_still_once(simulator, account, phone, audience, admin,
                                                                  run_worker):
    phone.throughput_level = "HIGH"  # 1,000 msg/s: the dispatcher calls helper tasks
    phone.save()
    fast = make_campaign(account, phone, add_template(account, simulator), audience[0])
    run_worker(running.launch, fast, user=admin)
    token = Campaign.objects.get(pk=fast.pk).dispatcher_token
    run_worker(dispatch.help_hand_over, campaign_id=fast.pk, token=token, limit=200)  # a late duplicate helper
    assert _sent_once(simulator, fast) and len(simulator.sent_messages()) == 3
    run_worker(running.sweep_campaigns)
    assert Campaign.objects.get(pk=fast.pk).state == Campaign.State.COMPLETED


def test_a_dead_worker_s_claimed_batch_holds_up_the_campaign_only_until_it_counts_as_lost(
        simulator, account, phone, audience, admin, run_worker):
    add_contacts(account, [(f"4474005000{n}", f"P{n}", f"B-{n}") for n in range(5)],
                 label=account.labels.get(name="vip"))
    slow = make_campaign(account, phone, add_template(account, simulator), audience[0], rate_cap=2)  # a lead of 6
    running.launch(slow, user=admin)  # committed, its callbacks never ran
    token = Campaign.objects.get(pk=slow.pk).dispatcher_token
    dispatch.dispatch_tick(campaign_id=slow.pk, token=token)
    claimed = Message.objects.filter(status=Message.Status.QUEUED)
    assert claimed.count() == 6
    # A worker claimed the six (queued → sending), called Meta for none, and was killed.
    Message.objects.filter(pk__in=list(claimed.values_list("pk", flat=True))).update(status=Message.Status.SENDING)
    stuck = set(Message.objects.filter(status=Message.Status.SENDING).values_list("pk", flat=True))

    run_worker(dispatch.dispatch_tick, campaign_id=slow.pk, token=token)  # maybe still calling Meta: wait
    assert slow.recipients.filter(state=Recipient.PENDING).count() == 2 and simulator.sent_messages() == []

    Message.objects.filter(pk__in=stuck).update(updated_at=timezone.now() - dispatch.LOST_AFTER - timedelta(seconds=1))
    run_worker(dispatch.dispatch_tick, campaign_id=slow.pk, token=token)

    assert slow.recipients.filter(state=Recipient.PENDING).count() == 0
    sent = {m["biz_opaque_callback_data"] for m in simulator.sent_messages()}
    stuck_uuids = {str(u) for u in Message.objects.filter(pk__in=stuck).values_list("uuid", flat=True)}
    assert len(sent) == 2 and sent.isdisjoint(stuck_uuids)
    # The six wait for Meta's webhook or messaging's 10-minute sweep, never sent again by the campaign.
    assert set(Message.objects.filter(status=Message.Status.SENDING).values_list("pk", flat=True)) == stuck
