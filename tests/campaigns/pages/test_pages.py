"""The campaign pages: the list, the form, the dry run, launch, pause / resume / cancel, who gets in."""

from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import AuditEntry
from campaigns.models import Campaign, CampaignRecipient, PricingRate
from messaging.models import Message

from ...conftest import user_of_another_account
from .conftest import operator_of, recipient

R = CampaignRecipient.State


def test_it_lists_campaigns_with_state_and_totals(admin_client, campaign, audience):
    recipient(campaign, audience["ready"], status=Message.Status.READ)
    recipient(campaign, audience["ready2"], status=Message.Status.FAILED, error_code=131049)
    campaign.state = Campaign.State.RUNNING
    campaign.save()

    page = admin_client.get(reverse("campaigns:campaign-list"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Spring offer" in html and "spring_offer" in html and "+15550783881" in html
    assert "Running" in html
    row = html[html.index(f'id="campaign-{campaign.pk}"'):]
    assert '<td data-label="Read">1</td>' in row and '<td data-label="Failed">1</td>' in row
    assert reverse("campaigns:campaign-create") in html  # the "New campaign" button


def test_the_console_links_campaigns_for_administrators_only(admin_client, client, phone):
    assert reverse("campaigns:campaign-list") in admin_client.get(reverse("messaging:inbox")).content.decode()
    client.force_login(operator_of(phone))
    assert reverse("campaigns:campaign-list") not in client.get(reverse("messaging:inbox")).content.decode()


@pytest.mark.parametrize("name", ["campaign-list", "campaign-create"])
def test_operators_are_refused_and_anonymous_users_sent_to_log_in(client, phone, name):
    url = reverse(f"campaigns:{name}")
    assert client.get(url)["Location"].startswith("/login/")
    client.force_login(operator_of(phone))
    assert client.get(url).status_code == 403


def test_a_campaign_of_an_account_the_user_cannot_see_is_not_found(client, campaign):
    outsider = user_of_another_account(username="otto", role=roles.OPERATOR)
    outsider.user_permissions.add(*Permission.objects.filter(content_type__app_label="campaigns"))
    client.force_login(outsider)
    for name in ("campaign-detail", "campaign-dry-run", "campaign-progress", "campaign-cost", "campaign-export",
                 "campaign-edit"):
        assert client.get(reverse(f"campaigns:{name}", args=[campaign.pk])).status_code == 404, name
    assert client.post(reverse("campaigns:campaign-pause", args=[campaign.pk])).status_code == 404
    assert client.get(reverse("campaigns:campaign-list")).content.decode().count("Spring offer") == 0


def _form(phone, template, segment, **overrides):
    data = {"name": "Autumn", "phone_number": phone.pk, "template": template.pk, "segment": segment.pk,
            "param:body.1": "first_name", "param:body.2": "code", "rate_cap": "", "scheduled_at": ""}
    return {**data, **overrides}


def test_the_form_creates_a_draft_and_goes_to_its_dry_run(admin_client, phone, template, segment):
    response = admin_client.post(reverse("campaigns:campaign-create"), _form(phone, template, segment, rate_cap="20"))

    campaign = Campaign.objects.get(name="Autumn")
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:campaign-dry-run", args=[campaign.pk])
    assert campaign.state == Campaign.State.DRAFT and campaign.rate_cap == 20
    assert campaign.parameters == {"body.1": "first_name", "body.2": "code"}


def test_the_form_offers_the_placeholders_with_the_contacts_attributes(admin_client, template, audience):
    page = admin_client.get(reverse("campaigns:campaign-parameters"), {"template": template.pk})

    html = page.content.decode()
    assert 'name="param:body.1"' in html and 'name="param:body.2"' in html
    assert 'value="first_name"' in html and 'value="code"' in html and 'value="wa_id"' in html
    assert "e.g. “SPRING10”" in html


@pytest.mark.parametrize("overrides, field, message", [
    ({"rate_cap": "500"}, "rate_cap", "80 messages per second"),
    ({"param:body.2": ""}, "param:body.2", "Choose where Body {{2}} comes from."),
    ({"name": ""}, "name", "This field is required."),
    ({"scheduled_at": "2000-01-01T10:00"}, "scheduled_at", 'class="error"'),  # the planning service's words
])
def test_the_form_shows_each_error_on_its_field(admin_client, phone, template, segment, overrides, field, message):
    response = admin_client.post(reverse("campaigns:campaign-create"), _form(phone, template, segment, **overrides))

    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index(f'data-field="{field}"'):]
    assert message in block[:block.index("</div>")]
    assert not Campaign.objects.filter(name="Autumn").exists()


def test_the_form_refuses_another_accounts_template(admin_client, phone, segment):
    other = user_of_another_account(username="otto", role=roles.OPERATOR)
    foreign = other.phone_numbers.first().account.templates.create(
        name="theirs", language="en", category="UTILITY", status="APPROVED", components=[{"type": "BODY", "text": "Hi"}])

    response = admin_client.post(reverse("campaigns:campaign-create"), _form(phone, foreign, segment))

    assert response.status_code == 400
    assert "belongs to Other, not to the number&#x27;s account Acme" in response.content.decode()


def test_the_dry_run_shows_who_is_sent_suppressed_or_missing_and_the_cost(admin_client, campaign, audience):
    PricingRate.objects.create(category="marketing", country="GB", price=Decimal("0.0500"), currency="USD",
                               valid_from=timezone.localdate() - timedelta(days=1))

    page = admin_client.get(reverse("campaigns:campaign-dry-run", args=[campaign.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert '<strong id="dry-to-send">2</strong>' in html
    assert "Mo Missing" in html and "code" in html[html.index('id="dry-missing"'):]
    assert "suppressed:" in html  # the opted-out contact, by its reason
    costs = html[html.index('id="dry-cost-lines"'):]
    assert "0.0500 USD" in costs and "0.1000 USD" in costs and "GB" in costs
    assert "Portfolio messaging limit" in html
    assert 'id="launch-form"' in html and 'id="test-send-form"' in html


@pytest.mark.parametrize(("tier", "verdict"), [("", "can't be checked."), ("TIER_NOT_SET", "can't be checked."),
                                              ("TIER_2K", "will not be reached."),
                                              ("TIER_UNLIMITED", "will not be reached.")])
def test_the_dry_run_never_says_an_unknown_messaging_limit_will_not_be_reached(admin_client, campaign, audience,
                                                                                account, tier, verdict):
    account.messaging_limit_tier = tier
    account.save()

    html = admin_client.get(reverse("campaigns:campaign-dry-run", args=[campaign.pk])).content.decode()

    limit = unescape(html[html.index('id="dry-limit"'):html.index("</p>", html.index('id="dry-limit"'))])
    assert f"</strong>\n      {verdict}" in limit
    assert ("Sync the numbers" in limit and "notice warn" in limit) == (verdict == "can't be checked.")


def test_the_dry_run_of_a_launched_campaign_says_it_is_no_launch_preview(admin_client, campaign, audience):
    url = reverse("campaigns:campaign-dry-run", args=[campaign.pk])
    assert "What a launch would do now." in admin_client.get(url).content.decode()

    campaign.state = Campaign.State.COMPLETED
    campaign.save()

    html = unescape(admin_client.get(url).content.decode())
    intro = html[html.index('id="dry-intro"'):html.index("</p>", html.index('id="dry-intro"'))]
    assert "This campaign was launched (completed)" in intro and "What a launch would do" not in html
    assert 'id="launch-form"' not in html


def test_the_dry_run_says_no_rate_where_the_table_has_none(admin_client, campaign, audience):
    html = admin_client.get(reverse("campaigns:campaign-dry-run", args=[campaign.pk])).content.decode()
    assert "no rate" in html[html.index('id="dry-cost-lines"'):]


def test_launch_needs_the_confirmation(admin_client, campaign, audience):
    response = admin_client.post(reverse("campaigns:campaign-launch", args=[campaign.pk]))

    assert response.status_code == 400 and "Tick the box to confirm." in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.DRAFT and not campaign.recipients.exists()


def test_launch_writes_every_recipient_and_opens_the_campaign_page(admin_client, campaign, audience):
    response = admin_client.post(reverse("campaigns:campaign-launch", args=[campaign.pk]), {"confirm": "1"})

    assert response["Location"] == reverse("campaigns:campaign-detail", args=[campaign.pk])
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.RUNNING
    states = dict(campaign.recipients.values_list("contact__name", "state"))
    assert states["Olga Out"] == R.SUPPRESSED and states["Mo Missing"] == R.SKIPPED
    assert AuditEntry.objects.filter(action="campaign.launch", object_pk=str(campaign.pk)).exists()


def test_pause_resume_and_cancel_move_the_campaign_and_refuse_what_cannot_be(admin_client, campaign):
    campaign.state = Campaign.State.RUNNING
    campaign.save()
    detail = reverse("campaigns:campaign-detail", args=[campaign.pk])

    assert admin_client.post(reverse("campaigns:campaign-pause", args=[campaign.pk]))["Location"] == detail
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.PAUSED
    assert "Paused." in admin_client.get(detail).content.decode()

    admin_client.post(reverse("campaigns:campaign-resume", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.RUNNING

    admin_client.post(reverse("campaigns:campaign-cancel", args=[campaign.pk]))  # not confirmed
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.RUNNING
    admin_client.post(reverse("campaigns:campaign-cancel", args=[campaign.pk]), {"confirm": "1"})
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.CANCELLED

    response = admin_client.post(reverse("campaigns:campaign-resume", args=[campaign.pk]), follow=True)
    assert "can&#x27;t be resumed" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.CANCELLED


def test_a_launched_campaign_can_no_longer_be_edited(admin_client, campaign, phone, template, segment):
    campaign.state = Campaign.State.RUNNING
    campaign.save()
    response = admin_client.post(reverse("campaigns:campaign-edit", args=[campaign.pk]),
                                 _form(phone, template, segment, name="Renamed"))
    assert "can no longer be edited" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.name == "Spring offer"


def test_the_test_send_needs_a_number(admin_client, campaign):
    response = admin_client.post(reverse("campaigns:campaign-test-send", args=[campaign.pk]), {"to_wa_id": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Message.objects.exists()


def test_the_test_send_queues_one_message_to_the_given_number(admin_client, campaign, audience):
    response = admin_client.post(reverse("campaigns:campaign-test-send", args=[campaign.pk]),
                                 {"to_wa_id": "+447400123401"})

    assert response.status_code == 302
    message = Message.objects.get()
    assert message.conversation.contact == audience["ready"] and message.type == "template"
    assert "Hi Sheena, your code A1 is ready." in message.text


def test_the_edit_form_opens_with_the_campaigns_choices(admin_client, campaign):
    html = admin_client.get(reverse("campaigns:campaign-edit", args=[campaign.pk])).content.decode()

    body_2 = html[html.index('name="param:body.2"'):]
    assert '<option value="code" selected>' in body_2[:body_2.index("</select>")]
    assert 'value="Spring offer"' in html


def test_a_template_campaigns_cant_fill_says_why(admin_client, account):
    image = account.templates.create(
        name="menu_photo", language="en", category="MARKETING", status="APPROVED",
        components=[{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Our menu"}])

    html = admin_client.get(reverse("campaigns:campaign-parameters"), {"template": image.pk}).content.decode()

    assert "menu_photo" in html and 'role="alert"' in html
    assert 'name="param:' not in html
