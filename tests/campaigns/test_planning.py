"""Creating, editing and dry-running a campaign: every rule refused with a message on its field; the
dry run lists who won't get it and why, what it costs and how long it takes, and sends nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry, BusinessAccount, PhoneNumber
from campaigns.models import Campaign, PricingRate, Segment
from campaigns.services import planning
from messaging.models import Contact, Conversation, Label, Message

from .conftest import add_contacts, add_template, make_campaign

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_it_creates_a_draft_and_audits_it(account, phone, audience, admin):
    template = add_template(account)
    campaign = make_campaign(account, phone, template, audience[0], user=admin, rate_cap=20)
    assert campaign.state == Campaign.State.DRAFT and campaign.rate_group == f"campaign:{campaign.pk}"
    entry = AuditEntry.objects.get(action="campaign.create")
    assert entry.actor == admin and entry.details["parameters"] == ["body.1", "body.2"]


@pytest.mark.parametrize("fields, field, words", [
    ({"parameters": {"body.1": "first_name"}}, "parameters", "body.2"),
    ({"parameters": {"body.1": "first_name", "body.2": "order", "body.3": "x"}}, "parameters", "no placeholder body.3"),
    ({"rate_cap": 81}, "rate_cap", "between 1 and 80"),
    ({"rate_cap": 0}, "rate_cap", "between 1 and 80"),
    ({"scheduled_at": timezone.now() - timedelta(minutes=1)}, "scheduled_at", "future"),
    ({"name": "  "}, "name", "name"),
])
def test_it_refuses_bad_fields_with_a_message_on_the_field(account, phone, audience, fields, field, words):
    template = add_template(account)
    with pytest.raises(ValidationError) as excinfo:
        make_campaign(account, phone, template, audience[0], **fields)
    assert words in " ".join(_errors(excinfo)[field])
    assert not Campaign.objects.exists()


def test_it_refuses_a_template_that_is_not_approved_or_of_another_account(account, phone, audience):
    pending = add_template(account, status="PENDING")
    with pytest.raises(ValidationError) as excinfo:
        make_campaign(account, phone, pending, audience[0])
    assert "approved" in _errors(excinfo)["template"][0]
    other = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="y",
                                           verify_token="z")
    theirs = add_template(other, name="theirs")
    their_phone = PhoneNumber.objects.create(account=other, phone_number_id="999001", display_phone_number="15559990000")
    with pytest.raises(ValidationError) as excinfo:
        make_campaign(account, their_phone, theirs, audience[0])
    assert "phone_number" in _errors(excinfo) and "template" in _errors(excinfo)


def test_a_high_throughput_number_allows_a_higher_cap(account, phone, audience):
    phone.throughput_level = "HIGH"
    phone.save()
    assert make_campaign(account, phone, add_template(account), audience[0], rate_cap=500).rate_cap == 500


def test_it_edits_a_draft_but_not_a_running_campaign(account, phone, audience, admin):
    campaign = make_campaign(account, phone, add_template(account), audience[0])
    campaign = planning.update_campaign(campaign, user=admin, name="Renamed", rate_cap=10)
    assert (campaign.name, campaign.rate_cap) == ("Renamed", 10)
    with pytest.raises(ValidationError) as excinfo:
        planning.update_campaign(campaign, rate_cap=1000)
    assert "rate_cap" in _errors(excinfo)
    Campaign.objects.filter(pk=campaign.pk).update(state=Campaign.State.RUNNING)
    with pytest.raises(ValidationError) as excinfo:
        planning.update_campaign(campaign, name="Again")
    assert "can't be edited" in _errors(excinfo)["__all__"][0]
    assert Campaign.objects.get(pk=campaign.pk).name == "Renamed"


def test_the_dry_run_suppresses_and_lists_missing_values_and_sends_nothing(account, phone, audience):
    segment, (ana, ben, chitra) = audience
    template = add_template(account, name="offer", category="MARKETING")
    ben.opted_out = True
    ben.save()
    us, gap = add_contacts(account, [("14155550199", "Usha", "U-1"), ("447400654321", "Gus", "G-1")],
                           label=ana.labels.get())
    gap.attributes = {"first_name": "Gus"}  # no order
    gap.save()
    campaign = make_campaign(account, phone, template, segment)

    plan = planning.dry_run(campaign)

    assert plan.to_send == 2  # Ana (Canada) and Chitra (India)
    assert plan.suppressed == {"Opted out of marketing": 1,
                               "Marketing template to a US number (Meta no longer delivers them)": 1}
    assert [(m.contact.wa_id, m.parameter, m.attribute) for m in plan.missing] == [(gap.wa_id, "body.2", "order")]
    assert not Message.objects.exists() and not campaign.recipients.exists()


def test_the_dry_run_prices_by_country_and_says_no_rate(account, phone, audience):
    PricingRate.objects.create(category="utility", country="IN", price=Decimal("0.0014"), valid_from=date(2025, 7, 1))
    PricingRate.objects.create(category="utility", country="GB", price=Decimal("0.0220"), valid_from=date(2025, 7, 1))
    campaign = make_campaign(account, phone, add_template(account), audience[0], rate_cap=2)

    plan = planning.dry_run(campaign)

    lines = {line.country: line for line in plan.cost_lines}
    assert set(lines) == {"CA", "GB", "IN"}
    assert lines["CA"].rate is None and lines["CA"].amount is None  # "no rate", never zero
    assert lines["GB"].amount == Decimal("0.0220") and lines["IN"].count == 1
    assert plan.total_cost == {"USD": Decimal("0.0234")}
    assert (plan.rate, plan.seconds_to_finish) == (2, 2)


def test_a_number_of_no_known_country_is_priced_at_the_every_other_country_rate_as_the_cost_so_far_is(
        account, phone):
    PricingRate.objects.create(category="utility", country="", price=Decimal("0.0100"), valid_from=date(2025, 7, 1))
    label = Label.objects.create(account=account, name="drama")
    add_contacts(account, [("447700900001", "Fictional", "X")], label=label)  # a UK drama number: no region
    segment = Segment.objects.create(account=account, name="Drama", rules=[{"type": "label", "label": label.pk}])
    campaign = make_campaign(account, phone, add_template(account), segment)

    plan = planning.dry_run(campaign)

    assert [(line.country, line.count, line.amount) for line in plan.cost_lines] == [("", 1, Decimal("0.0100"))]
    assert plan.total_cost == {"USD": Decimal("0.0100")}


def test_the_dry_run_says_when_the_messaging_limit_will_be_reached(account, phone, audience):
    account.messaging_limit_tier = "TIER_250"
    account.save()
    segment, contacts = audience
    others = add_contacts(account, [(f"4477008{n:05d}", f"P{n}", "X") for n in range(249)])
    for contact in others:  # 249 customers reached by a template in the last 24 h
        conversation = Conversation.objects.create(contact=contact, phone_number=phone)
        Message.objects.create(conversation=conversation, direction="out", type="template", status="delivered")
    # Ana wrote an hour ago: her window is open, she doesn't count against the limit.
    Conversation.objects.create(contact=contacts[0], phone_number=phone,
                                last_inbound_at=timezone.now() - timedelta(hours=1))
    campaign = make_campaign(account, phone, add_template(account), segment)

    limit = planning.dry_run(campaign).limit

    assert (limit.limit, limit.used_24h, limit.needed, limit.will_reach) == (250, 249, 2, True)
    assert "exceed" in limit.explanation


def test_a_contact_refused_with_131049_in_the_last_day_is_suppressed_for_marketing(account, phone, audience):
    segment, (ana, *_rest) = audience
    conversation = Conversation.objects.create(contact=ana, phone_number=phone)
    Message.objects.create(conversation=conversation, direction="out", type="template", status="failed",
                           error_code=131049)
    campaign = make_campaign(account, phone, add_template(account, name="offer", category="MARKETING"), segment)
    plan = planning.dry_run(campaign)
    assert plan.to_send == 2 and list(plan.suppressed.values()) == [1]
    assert "131049" in next(iter(plan.suppressed))
    assert Contact.objects.count() == 3
