"""The webhook fields accounts owns: phone number name/quality, capabilities, account news, security.

One short test per payload file, then the console banner, resolution, order and bad input.
"""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts import roles
from accounts.access import accessible_accounts
from accounts.context_processors import account_banners
from accounts.models import AccountEvent, BusinessAccount, PhoneNumber
from accounts.services import ensure_user, grant_phone_number
from accounts.webhook_events import (
    handle_account_alerts,
    handle_account_update,
    handle_business_capability_update,
    handle_phone_number_name_update,
    handle_phone_number_quality_update,
)
from cloudapi.webhook_payloads import InvalidPayload, UnknownAccount
from messaging.models import WebhookEvent

from ..conftest import load_fixture

pytestmark = pytest.mark.django_db


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _value(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def _later(payload: dict, seconds: int = 3600) -> dict:
    payload["entry"][0]["time"] += seconds
    return payload


def _processed_event() -> WebhookEvent:
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    return event


def _banner_titles(client, user) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("messaging:inbox"))
    assert response.status_code == 200
    return [banner.title for banner in response.context["account_banners"]]


# phone_number_name_update ---------------------------------------------------------------------


def test_it_records_an_approved_display_name(post_webhook, account):
    account.waba_id = "waba-id"  # as in the sample
    account.save()
    phone = PhoneNumber.objects.create(account=account, phone_number_id="1", display_phone_number="16505551111")

    post_webhook(load_fixture("webhook_phone_number_name_update.json"))

    phone.refresh_from_db()
    assert (phone.name_status, phone.verified_name) == ("APPROVED", "WhatsApp")
    event = AccountEvent.objects.get()
    assert (event.title, event.active, event.phone_number) == ("Display name approved: WhatsApp", False, phone)
    assert event.webhook_event_id == _processed_event().pk
    assert event.occurred_at == _at(1608243053)


def test_it_keeps_a_rejected_display_name_on_the_banner_until_the_next_decision(post_webhook, client, operator, phone):
    payload = load_fixture("webhook_phone_number_name_update.json")
    payload["entry"][0]["id"] = phone.account.waba_id
    _value(payload).update(
        display_phone_number="15550783881", decision="REJECTED", rejection_reason="NAME_FORMAT_UNACCEPTABLE"
    )

    post_webhook(payload)

    phone.refresh_from_db()
    assert (phone.name_status, phone.name_rejection_reason) == ("REJECTED", "NAME_FORMAT_UNACCEPTABLE")
    assert phone.verified_name == "Acme"  # the rejected name is not the number's name
    assert _banner_titles(client, operator) == ["Display name rejected: WhatsApp (NAME_FORMAT_UNACCEPTABLE)"]

    _value(payload).update(decision="APPROVED", rejection_reason=None)
    post_webhook(_later(payload))

    assert _banner_titles(client, operator) == []
    assert AccountEvent.objects.get(event="REJECTED").resolved_at == _at(1608243053 + 3600)


# business_capability_update -------------------------------------------------------------------


def test_it_sets_the_portfolio_limit_and_the_numbers_follow(post_webhook, account, phone, add_phone):
    account.waba_id = "524126980791429"  # as in Meta's sample
    account.save()
    other = add_phone("222", "15550000002")

    post_webhook(load_fixture("webhook_business_capability_update.json"))

    account.refresh_from_db()
    assert (account.messaging_limit_tier, account.max_phone_numbers) == ("TIER_2K", 25)
    tiers = PhoneNumber.objects.filter(pk__in=[phone.pk, other.pk]).values_list("messaging_limit_tier", flat=True)
    assert set(tiers) == {"TIER_2K"}
    assert AccountEvent.objects.get().title == "Messaging limit is now 2,000 customers / 24 h; up to 25 phone numbers"


def test_it_understands_the_legacy_per_phone_limit(account):
    entry = {"id": account.waba_id, "time": 1700000000}

    handle_business_capability_update(
        value={"max_daily_conversation_per_phone": -1, "max_phone_numbers_per_business": 2}, entry=entry
    )

    account.refresh_from_db()
    assert (account.messaging_limit_tier, account.max_phone_numbers) == ("TIER_UNLIMITED", 2)
    assert AccountEvent.objects.get().title == "Messaging limit is now unlimited; up to 2 phone numbers"


# phone_number_quality_update ------------------------------------------------------------------


def test_it_records_a_messaging_limit_upgrade(post_webhook, account, phone):
    post_webhook(load_fixture("webhook_phone_number_quality_update.json"))

    phone.refresh_from_db()
    account.refresh_from_db()
    assert (phone.messaging_limit_tier, phone.quality_event) == ("TIER_2K", "UPGRADE")
    assert account.messaging_limit_tier == "TIER_2K"
    assert AccountEvent.objects.get().title == "Messaging limit is now 2,000 customers / 24 h"


def test_it_says_when_a_limit_was_lowered(account, phone):
    value = {"display_phone_number": "15550783881", "event": "DOWNGRADE", "old_limit": "TIER_10K"}
    value["current_limit"] = "TIER_2K"

    handle_phone_number_quality_update(value=value, entry={"id": account.waba_id, "time": 1700000000})

    event = AccountEvent.objects.get()
    assert (event.title, event.severity) == ("Messaging limit lowered to 2,000 customers / 24 h", "warning")


def test_it_flags_low_quality_on_the_banner_until_unflagged(post_webhook, client, operator, phone):
    payload = load_fixture("webhook_phone_number_quality_update_flagged.json")
    post_webhook(payload)

    phone.refresh_from_db()
    assert phone.quality_rating == PhoneNumber.Quality.RED
    assert _banner_titles(client, operator) == [
        "Quality dropped to Low: +15550783881 (its messaging limit may be lowered)"
    ]

    _value(payload)["event"] = "UNFLAGGED"
    post_webhook(_later(payload))

    phone.refresh_from_db()
    assert phone.quality_rating == PhoneNumber.Quality.UNKNOWN
    assert _banner_titles(client, operator) == []


def test_it_records_a_throughput_upgrade(post_webhook, account, phone):
    post_webhook(load_fixture("webhook_phone_number_quality_update_throughput.json"))

    phone.refresh_from_db()
    assert (phone.throughput_level, phone.messaging_limit_tier) == ("HIGH", "TIER_UNLIMITED")
    assert AccountEvent.objects.get().title == "Throughput upgraded to 1,000 messages/s: +15550783881"


# account_update -------------------------------------------------------------------------------


def test_it_records_a_restriction_until_it_expires(post_webhook, client, operator, account):
    payload = load_fixture("webhook_account_update_restriction.json")
    post_webhook(payload)

    account.refresh_from_db()
    assert account.restricted_until == _at(1764547200)
    assert [r["restriction_type"] for r in account.restrictions] == [
        "RESTRICTED_BIZ_INITIATED_MESSAGING",
        "RESTRICTED_ADD_PHONE_NUMBER_ACTION",
    ]
    event = AccountEvent.objects.get()
    assert event.title == (
        "Account restricted until 2025-12-01 00:00 UTC: business-initiated messaging, adding phone numbers"
    )
    assert (event.severity, event.active, event.expires_at) == ("critical", True, _at(1764547200))
    assert _banner_titles(client, operator) == []  # that expiration has passed


def test_it_shows_a_restriction_on_the_banner_while_it_lasts(post_webhook, client, operator):
    payload = load_fixture("webhook_account_update_restriction.json")
    for restriction in _value(payload)["restriction_info"]:
        restriction["expiration"] = 4102444800  # 2100-01-01

    post_webhook(payload)

    assert _banner_titles(client, operator) == [
        "Account restricted until 2100-01-01 00:00 UTC: business-initiated messaging, adding phone numbers"
    ]


def test_it_shows_a_scheduled_disable_until_the_account_is_reinstated(post_webhook, client, operator, account):
    payload = load_fixture("webhook_account_update_disabled.json")
    post_webhook(payload)

    account.refresh_from_db()
    assert (account.ban_state, account.ban_date) == ("SCHEDULE_FOR_DISABLE", "April 17, 2025")
    assert _banner_titles(client, operator) == ["Account scheduled to be disabled on April 17, 2025"]

    _value(payload)["ban_info"]["waba_ban_state"] = "REINSTATE"
    post_webhook(_later(payload))

    account.refresh_from_db()
    assert account.ban_state == "REINSTATE"
    assert _banner_titles(client, operator) == []


def test_it_ignores_a_disable_that_arrives_after_the_later_reinstatement(post_webhook, client, operator, account):
    payload = load_fixture("webhook_account_update_disabled.json")
    reinstated = json.loads(json.dumps(payload))
    _value(reinstated)["ban_info"]["waba_ban_state"] = "REINSTATE"
    post_webhook(_later(reinstated))

    post_webhook(payload)  # older news, delivered late

    account.refresh_from_db()
    assert account.ban_state == "REINSTATE"
    assert AccountEvent.objects.count() == 2
    assert _banner_titles(client, operator) == []


def test_it_keeps_a_violation_on_the_banner_until_reinstatement(post_webhook, client, operator):
    post_webhook(load_fixture("webhook_account_update_violation.json"))
    assert _banner_titles(client, operator) == ["Policy violation reported: Scam"]

    reinstated = load_fixture("webhook_account_update_disabled.json")
    _value(reinstated)["ban_info"]["waba_ban_state"] = "REINSTATE"
    post_webhook(_later(reinstated))

    assert _banner_titles(client, operator) == []


def test_it_records_other_account_updates_as_information(account):
    handle_account_update(
        value={"event": "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE", "country": "IN"},
        entry={"id": account.waba_id, "time": 1743138982},
    )

    event = AccountEvent.objects.get()
    assert (event.title, event.severity, event.active) == ("Primary business location set to IN", "info", False)


# account_review_update, account_alerts, security ----------------------------------------------


def test_it_shows_a_rejected_account_review_until_approved(post_webhook, client, operator, account):
    payload = load_fixture("webhook_account_review_update.json")
    post_webhook(payload)

    account.refresh_from_db()
    assert account.review_status == "REJECTED"
    assert _banner_titles(client, operator) == [
        "Account review rejected: the account cannot be used with the Cloud API"
    ]

    _value(payload)["decision"] = "APPROVED"
    post_webhook(_later(payload))

    account.refresh_from_db()
    assert account.review_status == "APPROVED"
    assert _banner_titles(client, operator) == []


def test_it_shows_an_active_alert_until_meta_clears_it(post_webhook, client, operator):
    payload = load_fixture("webhook_account_alerts.json")
    post_webhook(payload)

    event = AccountEvent.objects.get()
    assert event.event == "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED"
    assert (event.severity, event.active) == ("warning", True)
    assert _banner_titles(client, operator) == [
        "Messaging limit increase deferred: Limits cannot be increased for your business Acme yet. "
        "Keep messaging actively and within policy for a few more days."
    ]

    _value(payload)["alert_info"]["alert_status"] = "NONE"
    post_webhook(_later(payload))

    assert _banner_titles(client, operator) == []


def test_it_links_a_phone_number_alert_to_its_number(account, phone):
    value = {
        "entity_type": "PHONE_NUMBER",
        "entity_id": phone.phone_number_id,
        "alert_info": {"alert_severity": "CRITICAL", "alert_status": "ACTIVE", "alert_type": "OBA_REJECTED"},
    }

    handle_account_alerts(value=value, entry={"id": account.waba_id})

    event = AccountEvent.objects.get()
    assert (event.phone_number, event.title, event.active) == (phone, "Official business account request denied", True)


def test_it_records_a_request_to_turn_off_two_step_verification(post_webhook, client, operator, phone):
    post_webhook(load_fixture("webhook_security.json"))

    event = AccountEvent.objects.get()
    assert (event.phone_number, event.event, event.active) == (phone, "PIN_RESET_REQUEST", True)
    assert _banner_titles(client, operator) == [
        "Someone asked to turn off two-step verification: +15550783881 (by Meta user 61555822107539)"
    ]


# The console banner ---------------------------------------------------------------------------


def test_the_banner_shows_on_the_console_for_the_accounts_operators_only(post_webhook, client, operator, stranger):
    post_webhook(load_fixture("webhook_account_update_disabled.json"))

    client.force_login(operator)
    page = client.get(reverse("messaging:inbox")).content.decode()
    assert 'role="alert" class="banner critical"' in page
    assert "Account scheduled to be disabled on April 17, 2025" in page

    client.force_login(stranger)
    assert "Account scheduled to be disabled" not in client.get(reverse("messaging:inbox")).content.decode()


def test_administrators_see_every_accounts_banner(post_webhook, client, phone):
    post_webhook(load_fixture("webhook_account_update_disabled.json"))
    admin = ensure_user(username="ada", password="pw-ada-12345", role=roles.ADMINISTRATOR)

    assert _banner_titles(client, admin) == ["Account scheduled to be disabled on April 17, 2025"]
    assert list(accessible_accounts(admin)) == [phone.account]


def test_the_banners_cost_one_query_when_none_is_up_two_when_one_is_and_none_for_anonymous_users(
    rf, operator, post_webhook, django_assert_num_queries
):
    request = rf.get("/")
    request.user = operator

    with django_assert_num_queries(1):
        assert list(account_banners(request)["account_banners"]) == []
    post_webhook(load_fixture("webhook_account_update_disabled.json"))
    with django_assert_num_queries(2):
        assert len(list(account_banners(request)["account_banners"])) == 1

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert account_banners(request) == {}


def test_support_resolves_an_event_from_the_admin(post_webhook, client, operator):
    post_webhook(load_fixture("webhook_account_update_violation.json"))
    admin = ensure_user(username="root", password="pw-root-12345", role=roles.ADMINISTRATOR, superuser=True)
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_accountevent_changelist"),
        {"action": "resolve", "_selected_action": [AccountEvent.objects.get().pk]},
    )

    assert response.status_code == 302
    assert _banner_titles(client, operator) == []


# Exactly once, bad input, unknown accounts ----------------------------------------------------


def test_it_records_the_same_report_once_when_delivered_in_another_body(post_webhook, client, operator):
    payload = load_fixture("webhook_account_update_disabled.json")
    post_webhook(payload)
    post_webhook({"object": payload["object"], "entry": payload["entry"]})  # same news, another body

    assert WebhookEvent.objects.filter(state=WebhookEvent.State.PROCESSED).count() == 2
    assert AccountEvent.objects.count() == 1
    assert _banner_titles(client, operator) == ["Account scheduled to be disabled on April 17, 2025"]


@pytest.mark.parametrize(
    "fixture, change",
    [
        ("webhook_phone_number_name_update.json", {"decision": None}),
        ("webhook_phone_number_quality_update.json", {"current_limit": "TIER_LOTS"}),
        ("webhook_phone_number_quality_update.json", {"event": 7}),
        ("webhook_business_capability_update.json", {"max_phone_numbers_per_waba": "many"}),
        ("webhook_account_update_restriction.json", {"restriction_info": "everything"}),
        ("webhook_account_update_restriction.json", {"restriction_info": [{"expiration": 1764547200}]}),
        ("webhook_account_update_disabled.json", {"ban_info": None}),
        ("webhook_account_alerts.json", {"alert_info": {"alert_status": "ACTIVE"}}),
        ("webhook_account_review_update.json", {"decision": ""}),
        ("webhook_security.json", {"display_phone_number": 15550783881}),
    ],
)
def test_it_rejects_malformed_values_and_writes_nothing(post_webhook, account, phone, fixture, change):
    from accounts import webhook_events

    payload = load_fixture(fixture)
    entry = payload["entry"][0]
    entry["id"] = account.waba_id
    _value(payload).update(change)
    field = entry["changes"][0]["field"]
    phone.display_phone_number = "16505551111" if "name_update" in fixture else phone.display_phone_number
    phone.save()

    with pytest.raises(InvalidPayload):
        getattr(webhook_events, f"handle_{field}")(value=_value(payload), entry=entry)

    post_webhook(payload)  # through the real view: kept, not processed, nothing half-written
    assert WebhookEvent.objects.get().state != WebhookEvent.State.PROCESSED
    assert AccountEvent.objects.count() == 0
    assert BusinessAccount.objects.get().messaging_limit_tier == ""


def test_it_refuses_a_waba_we_do_not_have(account):
    with pytest.raises(UnknownAccount, match="524126980791429"):
        handle_business_capability_update(
            value=_value(load_fixture("webhook_business_capability_update.json")), entry={"id": "524126980791429"}
        )
    assert AccountEvent.objects.count() == 0


def test_it_refuses_a_phone_number_the_account_does_not_have(account, phone):
    payload = load_fixture("webhook_phone_number_name_update.json")

    with pytest.raises(UnknownAccount, match="16505551111"):
        handle_phone_number_name_update(value=_value(payload), entry={"id": account.waba_id})
    assert AccountEvent.objects.count() == 0


# Admin ----------------------------------------------------------------------------------------


def test_support_staff_see_what_meta_reported_in_the_admin(post_webhook, client, account, phone):
    post_webhook(load_fixture("webhook_phone_number_quality_update_flagged.json"))
    post_webhook(load_fixture("webhook_account_update_disabled.json"))
    sue = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=sue, phone_number=phone)  # the admin shows support staff their accounts only
    client.force_login(sue)

    phone_page = client.get(reverse("admin:accounts_phonenumber_change", args=[phone.pk])).content.decode()
    account_page = client.get(reverse("admin:accounts_businessaccount_change", args=[account.pk])).content.decode()
    events_page = client.get(reverse("admin:accounts_accountevent_changelist")).content.decode()

    assert "FLAGGED" in phone_page and "TIER_2K" in phone_page
    assert "SCHEDULE_FOR_DISABLE" in account_page and "April 17, 2025" in account_page
    assert "test-app-secret" not in account_page
    assert "Account scheduled to be disabled" in events_page


def test_the_banner_check_reads_only_the_active_events(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    plan = AccountEvent.objects.filter(active=True).only("id")[:1].explain()
    assert "account_event_banner_idx" in plan
