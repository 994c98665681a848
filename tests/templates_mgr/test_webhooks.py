"""The webhook fields templates_mgr owns: status (and its history), quality, category, components.

One short test per payload file, then duplicates, order, unknown templates and bad input.
"""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from accounts.services import ensure_user, grant_phone_number
from cloudapi.webhook_payloads import InvalidPayload, UnknownAccount
from messaging.models import WebhookEvent
from templates_mgr import webhook_events
from templates_mgr.models import MessageTemplate, TemplateStatusChange

from ..conftest import load_fixture

pytestmark = pytest.mark.django_db

ORDER_CONFIRMATION = "1689556908129832"  # the template of the approved, paused and disabled samples


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _value(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def _history(template: MessageTemplate) -> list[tuple[str, str, bool]]:
    changes = template.status_changes.order_by("occurred_at", "id")
    return [(c.old_status, c.new_status, c.applied) for c in changes]


@pytest.fixture
def order_confirmation(account) -> MessageTemplate:
    return MessageTemplate.objects.create(
        account=account,
        template_id=ORDER_CONFIRMATION,
        name="order_confirmation",
        language="en_US",
        category="UTILITY",
        status=MessageTemplate.Status.PENDING,
        status_changed_at=_at(1751240000),
    )


# message_template_status_update ---------------------------------------------------------------


def test_it_approves_a_template_and_records_the_step(post_webhook, order_confirmation):
    post_webhook(load_fixture("webhook_template_status_approved.json"))

    order_confirmation.refresh_from_db()
    assert (order_confirmation.status, order_confirmation.status_changed_at) == ("APPROVED", _at(1751247548))
    change = order_confirmation.status_changes.get()
    assert (change.old_status, change.new_status, change.source) == ("PENDING", "APPROVED", "webhook")
    assert change.webhook_event_id == WebhookEvent.objects.get(state=WebhookEvent.State.PROCESSED).pk


def test_it_creates_a_template_made_in_whatsapp_manager(post_webhook, account):
    post_webhook(load_fixture("webhook_template_status_approved.json"))

    template = MessageTemplate.objects.get()
    assert (template.template_id, template.name, template.language, template.category, template.status) == (
        ORDER_CONFIRMATION,
        "order_confirmation",
        "en_US",
        "UTILITY",
        "APPROVED",
    )
    assert template.needs_sync  # components come with the next sync
    assert _history(template) == [("", "APPROVED", True)]


def test_it_records_a_rejection_with_meta_s_explanation(post_webhook, account):
    post_webhook(load_fixture("webhook_template_status_rejected.json"))

    template = MessageTemplate.objects.get(name="abandoned_cart", language="en")
    assert (template.status, template.rejected_reason, template.category) == ("REJECTED", "INVALID_FORMAT", "MARKETING")
    assert template.rejection_explanation == "The body has two variables with nothing between them."
    assert template.rejection_recommendation.startswith("Put words or punctuation between")
    assert template.status_changes.get().details["rejection_info"]["reason"] == template.rejection_explanation


def test_it_records_a_pause_with_its_title(post_webhook, order_confirmation):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    post_webhook(load_fixture("webhook_template_status_paused.json"))

    order_confirmation.refresh_from_db()
    assert (order_confirmation.status, order_confirmation.status_title) == ("PAUSED", "FIRST_PAUSE")
    assert order_confirmation.status_description.startswith("Your WhatsApp message template has been paused")
    assert _history(order_confirmation) == [("PENDING", "APPROVED", True), ("APPROVED", "PAUSED", True)]


def test_it_records_a_disabled_template_with_its_date(post_webhook, order_confirmation):
    post_webhook(load_fixture("webhook_template_status_disabled.json"))

    order_confirmation.refresh_from_db()
    assert (order_confirmation.status, order_confirmation.disable_date) == ("DISABLED", _at(1751934600))
    assert order_confirmation.status_changes.get().details["disable_info"] == {"disable_date": 1751934600}


def test_an_approval_after_a_rejection_clears_the_reason(post_webhook, account):
    rejected = load_fixture("webhook_template_status_rejected.json")
    post_webhook(rejected)
    approved = json.loads(json.dumps(rejected))
    _value(approved).update(event="APPROVED", reason="NONE")
    del _value(approved)["rejection_info"]
    approved["entry"][0]["time"] += 60
    post_webhook(approved)

    template = MessageTemplate.objects.get()
    assert (template.status, template.rejected_reason, template.rejection_recommendation) == ("APPROVED", "", "")
    assert [change.reason for change in template.status_changes.order_by("occurred_at")] == ["INVALID_FORMAT", ""]


def test_it_records_a_status_delivered_twice_once(post_webhook, order_confirmation):
    payload = load_fixture("webhook_template_status_approved.json")
    post_webhook(payload)
    post_webhook(payload)  # the same body again
    post_webhook({"object": payload["object"], "entry": payload["entry"]})  # the same change in another body

    assert WebhookEvent.objects.count() == 2
    assert order_confirmation.status_changes.count() == 1


def test_an_older_status_arriving_late_is_history_only(post_webhook, order_confirmation):
    post_webhook(load_fixture("webhook_template_status_paused.json"))
    post_webhook(load_fixture("webhook_template_status_approved.json"))  # happened before the pause

    order_confirmation.refresh_from_db()
    assert order_confirmation.status == "PAUSED"
    assert _history(order_confirmation) == [("", "APPROVED", False), ("PENDING", "PAUSED", True)]


def test_a_status_without_meta_s_time_is_not_recorded_twice(account, order_confirmation):
    value = _value(load_fixture("webhook_template_status_approved.json"))
    entry = {"id": account.waba_id}  # no ``time``

    webhook_events.handle_message_template_status_update(value=value, entry=entry)
    webhook_events.handle_message_template_status_update(value=value, entry=entry)

    assert _history(order_confirmation) == [("PENDING", "APPROVED", True)]


def test_a_quality_sample_labelled_as_a_status_update_is_read_as_quality(account, order_confirmation):
    value = _value(load_fixture("webhook_template_quality_update.json"))  # Meta's reference sample does this

    webhook_events.handle_message_template_status_update(value=value, entry={"id": account.waba_id, "time": 1751420000})

    order_confirmation.refresh_from_db()
    assert (order_confirmation.quality_score, order_confirmation.status) == ("YELLOW", "PENDING")


# message_template_quality_update, template_category_update, components --------------------------


def test_it_updates_the_quality_score_matching_en_dash_us(post_webhook, order_confirmation):
    post_webhook(load_fixture("webhook_template_quality_update.json"))  # language "en-US"

    order_confirmation.refresh_from_db()
    assert (order_confirmation.quality_score, order_confirmation.quality_updated_at) == ("YELLOW", _at(1751420000))
    assert MessageTemplate.objects.count() == 1


def test_it_shows_an_impending_category_change_then_the_done_one(post_webhook, account):
    post_webhook(load_fixture("webhook_template_category_update_impending.json"))

    template = MessageTemplate.objects.get(name="welcome_template", language="en_US")
    assert (template.category, template.correct_category, template.category_change_at) == (
        "UTILITY",
        "MARKETING",
        _at(1746169200),
    )

    post_webhook(load_fixture("webhook_template_category_update.json"))

    template.refresh_from_db()
    assert (template.category, template.previous_category, template.correct_category, template.category_change_at) == (
        "MARKETING",
        "UTILITY",
        "",
        None,
    )


def test_an_impending_category_change_arriving_after_it_happened_changes_nothing(post_webhook, account):
    post_webhook(load_fixture("webhook_template_category_update.json"))
    post_webhook(load_fixture("webhook_template_category_update_impending.json"))

    template = MessageTemplate.objects.get()
    assert (template.category, template.correct_category) == ("MARKETING", "")


def test_a_components_summary_marks_the_template_for_sync(post_webhook, order_confirmation):
    order_confirmation.components = [{"type": "BODY", "text": "Thanks, {{1}}!"}]
    order_confirmation.save()

    post_webhook(load_fixture("webhook_template_components_update.json"))

    order_confirmation.refresh_from_db()
    assert order_confirmation.needs_sync
    assert order_confirmation.components == [{"type": "BODY", "text": "Thanks, {{1}}!"}]  # not half-rebuilt


def test_full_components_replace_the_template_s_own(account, order_confirmation):
    value = _value(load_fixture("webhook_template_components_update.json"))
    value["components"] = [{"type": "BODY", "text": "Thank you for your order, {{1}}!"}]

    webhook_events.handle_message_template_components_update(value=value, entry={"id": account.waba_id})

    order_confirmation.refresh_from_db()
    assert (order_confirmation.components, order_confirmation.needs_sync) == (value["components"], False)


# Bad input and unknown accounts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture, change",
    [
        ("webhook_template_status_approved.json", {"message_template_id": None}),
        ("webhook_template_status_approved.json", {"message_template_id": "abc"}),
        ("webhook_template_status_approved.json", {"event": 42}),
        ("webhook_template_status_approved.json", {"event": "approved!"}),
        ("webhook_template_status_approved.json", {"message_template_language": "english please"}),
        ("webhook_template_status_approved.json", {"rejection_info": "bad"}),
        ("webhook_template_status_approved.json", {"message_template_name": None}),  # unknown template: needs its name
        ("webhook_template_quality_update.json", {"new_quality_score": None}),
        ("webhook_template_category_update.json", {"new_category": ["MARKETING"]}),
        ("webhook_template_category_update_impending.json", {"category_update_timestamp": "soon"}),
        ("webhook_template_components_update.json", {"components": "HEADER, BODY"}),
    ],
)
def test_it_rejects_malformed_values_and_writes_nothing(post_webhook, account, fixture, change):
    payload = load_fixture(fixture)
    _value(payload).update(change)
    entry = payload["entry"][0]
    handler = getattr(webhook_events, f"handle_{entry['changes'][0]['field']}")

    with pytest.raises(InvalidPayload):
        handler(value=_value(payload), entry=entry)

    post_webhook(payload)  # through the real view: kept, not processed, nothing half-written
    assert WebhookEvent.objects.get().state != WebhookEvent.State.PROCESSED
    assert MessageTemplate.objects.count() == 0 and TemplateStatusChange.objects.count() == 0


def test_it_refuses_a_waba_we_do_not_have(account):
    payload = load_fixture("webhook_template_status_approved.json")
    payload["entry"][0]["id"] = "524126980791429"

    with pytest.raises(UnknownAccount, match="524126980791429"):
        webhook_events.handle_message_template_status_update(value=_value(payload), entry=payload["entry"][0])
    assert MessageTemplate.objects.count() == 0


# Roles and admin ------------------------------------------------------------------------------


def test_template_managers_hold_the_template_permissions_after_migrate(db):
    manager = Group.objects.get(name=roles.TEMPLATE_MANAGER)
    permissions = manager.permissions.filter(content_type__app_label="templates_mgr")
    codenames = set(permissions.values_list("codename", flat=True))

    assert {f"{verb}_messagetemplate" for verb in ("view", "add", "change", "delete")} <= codenames
    assert "view_templatestatuschange" in codenames
    operator = Group.objects.get(name=roles.OPERATOR)
    assert not operator.permissions.filter(content_type__app_label="templates_mgr").exists()


def test_support_staff_find_a_template_and_its_history_in_the_admin(post_webhook, client, order_confirmation, phone):
    post_webhook(load_fixture("webhook_template_status_approved.json"))
    post_webhook(load_fixture("webhook_template_status_paused.json"))
    sue = ensure_user(username="sue", password="pw-sue-12345", role=roles.SUPPORT)
    grant_phone_number(user=sue, phone_number=phone)  # the admin shows support staff their accounts only
    client.force_login(sue)

    listing = client.get(
        reverse("admin:templates_mgr_messagetemplate_changelist"), {"q": ORDER_CONFIRMATION, "status__exact": "PAUSED"}
    )
    detail = client.get(reverse("admin:templates_mgr_messagetemplate_change", args=[order_confirmation.pk]))

    assert listing.status_code == 200 and "order_confirmation" in listing.content.decode()
    page = detail.content.decode()
    assert "FIRST_PAUSE" in page and page.count("APPROVED") >= 2  # current status fields and the history inline
    assert client.get(reverse("admin:templates_mgr_templatestatuschange_changelist")).status_code == 200
