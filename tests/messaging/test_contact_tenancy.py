"""A contact is (business account, wa_id): one customer writing to two businesses is two
contacts, and nothing one business or its webhooks do reaches the other's (issue #12, part B).

Account A is the test account; "Other" (the ``stranger`` fixture's account, secret
``other-secret``) is business B. The same customer, +1 650 555 1234, writes to both.
"""

import pytest
from django.urls import reverse

from messaging.models import Contact, ContactEvent, Conversation, WebhookEvent
from tests.conftest import PHONE_NUMBER_ID, WABA_ID, load_fixture

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"
B_SECRET, B_WABA, B_PHONE_ID = "other-secret", "999", "999001"


def _to_b(payload: dict, *, wamid: str | None = None) -> dict:
    entry = payload["entry"][0]
    entry["id"] = B_WABA
    value = entry["changes"][0]["value"]
    value["metadata"] = {"display_phone_number": "15559990000", "phone_number_id": B_PHONE_ID}
    if wamid:
        value["messages"][0]["id"] = wamid
    return payload


def _text(*, body: str | None = None, name: str | None = None, wamid: str | None = None, to_b: bool = False) -> dict:
    payload = load_fixture("webhook_message_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    if body is not None:
        value["messages"][0]["text"]["body"] = body
    if name is not None:
        value["contacts"][0]["profile"]["name"] = name
    if wamid is not None:
        value["messages"][0]["id"] = wamid
    return _to_b(payload) if to_b else payload


def _processed(post_webhook, payload: dict, *, secret: str | None = None) -> WebhookEvent:
    response = post_webhook(payload, secret=secret) if secret else post_webhook(payload)
    assert response.status_code == 200
    event = WebhookEvent.objects.order_by("-pk").first()
    assert event.state == WebhookEvent.State.PROCESSED, event.error
    return event


@pytest.fixture
def both(post_webhook, phone, stranger):
    """The customer has written to A and to B; A's operators keep private notes on them."""
    _processed(post_webhook, _text())
    _processed(post_webhook, _text(wamid="wamid.to-b-1", to_b=True), secret=B_SECRET)
    at_a = Contact.objects.get(account=phone.account, wa_id=CUSTOMER)
    at_a.notes = "VIP: refund approved by Dana"
    at_a.save()
    at_b = Contact.objects.get(account__waba_id=B_WABA, wa_id=CUSTOMER)
    return at_a, at_b


def test_a_customer_who_writes_to_two_businesses_is_two_contacts(both, phone):
    at_a, at_b = both

    assert at_a.pk != at_b.pk
    assert Conversation.objects.get(contact=at_a).phone_number == phone
    assert Conversation.objects.get(contact=at_b).phone_number.phone_number_id == B_PHONE_ID


def test_bs_operator_can_neither_read_nor_overwrite_as_notes(both, client, stranger):
    at_a, at_b = both
    client.force_login(stranger)

    assert client.get(reverse("messaging:contact-detail", args=[at_a.pk])).status_code == 404
    posted = client.post(reverse("messaging:contact-notes", args=[at_a.pk]), {"notes": "overwritten by B"})
    own_page = client.get(reverse("messaging:contact-detail", args=[at_b.pk]))

    assert posted.status_code == 404
    at_a.refresh_from_db()
    assert at_a.notes == "VIP: refund approved by Dana"
    assert own_page.status_code == 200
    assert "refund approved" not in own_page.content.decode()


def test_a_stop_sent_to_b_does_not_opt_the_customer_out_at_a(both, post_webhook):
    at_a, at_b = both

    _processed(post_webhook, _text(body="STOP", wamid="wamid.to-b-stop", to_b=True), secret=B_SECRET)

    at_a.refresh_from_db()
    at_b.refresh_from_db()
    assert (at_a.opted_out, at_b.opted_out) == (False, True)
    assert not ContactEvent.objects.filter(contact=at_a).exists()


def test_a_user_preferences_stop_signed_by_b_opts_out_bs_contact_only(both, post_webhook):
    at_a, at_b = both

    _processed(post_webhook, _to_b(load_fixture("webhook_user_preferences_stop.json")), secret=B_SECRET)

    at_a.refresh_from_db()
    at_b.refresh_from_db()
    assert (at_a.opted_out, at_b.opted_out) == (False, True)
    assert ContactEvent.objects.get(contact=at_b).kind == ContactEvent.Kind.MARKETING_STOP


def test_bs_webhooks_rename_bs_contact_and_not_as(both, post_webhook):
    at_a, at_b = both

    _processed(post_webhook, _text(name="Sheena at B", wamid="wamid.to-b-2", to_b=True), secret=B_SECRET)

    at_a.refresh_from_db()
    at_b.refresh_from_db()
    assert (at_a.name, at_b.name) == ("Sheena Nelson", "Sheena at B")


def test_a_number_change_at_b_moves_bs_contact_only(post_webhook, phone, stranger):
    payload = load_fixture("webhook_message_system_user_changed_number.json")
    old, new = "972987654321", "972912345678"
    Contact.objects.create(account=phone.account, wa_id=old, name="A's customer")

    _processed(post_webhook, _to_b(payload), secret=B_SECRET)

    assert Contact.objects.get(account=phone.account, wa_id=old).name == "A's customer"
    assert Contact.objects.filter(account__waba_id=B_WABA, wa_id=new).exists()
    assert not Contact.objects.filter(account__waba_id=B_WABA, wa_id=old).exists()


def test_search_at_b_does_not_find_as_contact(post_webhook, phone, stranger, client):
    _processed(post_webhook, _text(name="Alice Only-at-A"))
    client.force_login(stranger)

    contacts = client.get(reverse("messaging:contact-list"), {"q": "Only-at-A"}).content.decode()
    by_number = client.get(reverse("messaging:contact-list"), {"q": CUSTOMER}).content.decode()
    inbox = client.get(reverse("messaging:inbox"), {"q": "Only-at-A"}).content.decode()

    assert "Only-at-A" in Contact.objects.get(account=phone.account).name
    assert "No contact matches" in contacts and "No contact matches" in by_number
    assert "Alice" not in inbox


def test_as_operator_finds_their_contact_by_name_and_number(post_webhook, phone, operator, client):
    _processed(post_webhook, _text(name="Alice Only-at-A"))
    client.force_login(operator)

    contacts = client.get(reverse("messaging:contact-list"), {"q": "5551234"}).content.decode()
    inbox = client.get(reverse("messaging:inbox"), {"q": "Only-at-A"}).content.decode()

    assert "Alice Only-at-A" in contacts and "Alice Only-at-A" in inbox


def test_it_keeps_the_business_scoped_user_id_beside_the_wa_id(post_webhook, phone):
    payload = load_fixture("webhook_message_text_reply_context.json")
    payload["entry"][0]["id"] = WABA_ID
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = PHONE_NUMBER_ID

    _processed(post_webhook, payload)

    contact = Contact.objects.get(account=phone.account, wa_id="972987654321")
    assert contact.user_id == "US.13491208655302741918"


def test_an_administrator_sees_both_businesses_contacts(both, admin_client):
    page = admin_client.get(reverse("messaging:contact-list"), {"q": CUSTOMER}).content.decode()

    assert page.count(f"+{CUSTOMER}") == 2
    assert f"<td>{both[0].account.name}</td>" in page and "<td>Other</td>" in page
