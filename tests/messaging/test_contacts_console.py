"""Contacts in the console: the list, a contact's page (opt-out history, notes), and starting a
conversation from a phone number (normalised with phonenumbers; a template when the window is shut)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PhoneNumber
from messaging.models import Contact, ContactEvent
from messaging.services.contacts import set_marketing_preference

from .. import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def conv(phone):
    return factories.conversation(phone, wa_id="16505551234", name="Sheena Nelson")


def test_the_list_shows_contacts_of_the_operator_numbers_and_searches_them(client, operator, conv, stranger):
    theirs = PhoneNumber.objects.get(phone_number_id="999001")
    factories.conversation(theirs, wa_id="447700900123", name="Not Yours")
    client.force_login(operator)

    html = client.get(reverse("messaging:contact-list")).content.decode()
    assert "Sheena Nelson" in html and "+16505551234" in html and "Not Yours" not in html
    assert "Sheena" in client.get(reverse("messaging:contact-list"), {"q": "nelson"}).content.decode()
    assert "Sheena" in client.get(reverse("messaging:contact-list"), {"q": "650 555"}).content.decode()
    assert "Sheena" not in client.get(reverse("messaging:contact-list"), {"q": "zzz"}).content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999999"])
def test_odd_page_numbers_do_not_break_the_list(client, operator, conv, page):
    client.force_login(operator)
    assert client.get(reverse("messaging:contact-list"), {"page": page}).status_code == 200


def test_a_contact_page_shows_the_opt_out_and_its_history(client, operator, conv):
    contact = conv.contact
    at = timezone.now() - timedelta(days=1)
    set_marketing_preference(contact=contact, stop=True, occurred_at=at, source=ContactEvent.Source.KEYWORD,
                             detail="Wrote “STOP”")
    client.force_login(operator)

    html = client.get(reverse("messaging:contact-detail", args=[contact.pk])).content.decode()

    assert "Opted out" in html and "marketing templates are not sent" in html
    assert "Stopped marketing messages" in html and "Keyword in a message" in html and "Wrote “STOP”" in html
    assert reverse("messaging:conversation-detail", args=[conv.pk]) in html
    assert reverse("templates_mgr:conversation-start") + "?to=%2B16505551234&amp;phone_number=" in html


def test_an_operator_edits_the_notes(client, operator, conv):
    client.force_login(operator)
    url = reverse("messaging:contact-notes", args=[conv.contact.pk])

    response = client.post(url, {"notes": "  Prefers mornings.  "})

    assert response.status_code == 302
    assert Contact.objects.get().notes == "Prefers mornings."
    assert "Prefers mornings." in client.get(reverse("messaging:contact-detail", args=[conv.contact.pk])).content.decode()


def test_overlong_notes_are_refused(client, operator, conv):
    client.force_login(operator)
    response = client.post(reverse("messaging:contact-notes", args=[conv.contact.pk]), {"notes": "x" * 5001})
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert Contact.objects.get().notes == ""


@pytest.mark.parametrize("name", ["messaging:contact-list", "messaging:contact-detail", "messaging:contact-notes"])
def test_contact_pages_need_login_and_permission(client, conv, no_role_user, name):
    url = reverse(name, args=[conv.contact.pk] if name != "messaging:contact-list" else [])
    call = client.post if name.endswith("notes") else client.get
    assert call(url).status_code == 302
    client.force_login(no_role_user)
    assert call(url).status_code == 403


@pytest.mark.parametrize("name", ["messaging:contact-detail", "messaging:contact-notes"])
def test_another_business_contact_is_a_404(client, conv, stranger, name):
    client.force_login(stranger)
    call = client.post if name.endswith("notes") else client.get
    assert call(reverse(name, args=[conv.contact.pk]), {"notes": "mine now"}).status_code == 404
    assert Contact.objects.get().notes == ""


# -- a new conversation from a phone number ---------------------------------------------------


def test_a_number_whose_window_is_open_goes_to_its_conversation(client, operator, phone, conv):
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-new"), {"to": "+1 (650) 555-1234", "phone_number": phone.pk})
    assert response.status_code == 302
    assert response.url == reverse("messaging:conversation-detail", args=[conv.pk])


def test_a_new_number_goes_to_the_template_start_page_normalised(client, operator, phone):
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-new"), {"to": "0044 7700 900123", "phone_number": phone.pk})
    assert response.status_code == 302
    assert response.url == f"{reverse('templates_mgr:conversation-start')}?to=%2B447700900123&phone_number={phone.pk}"


def test_a_closed_window_also_needs_a_template(client, operator, phone):
    factories.conversation(phone, wa_id="447700900123", wrote_ago=timedelta(days=3))
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-new"), {"to": "+447700900123", "phone_number": phone.pk})
    assert response.url.startswith(reverse("templates_mgr:conversation-start"))


@pytest.mark.parametrize(
    "to, message",
    [
        ("", "Enter a phone number with its country code"),
        ("hello", "is not a phone number"),
        ("+44 77", "wrong number of digits"),
        ("415 555 0199", "add the country code, e.g. +1 415 555 0199"),
        ("07700 900123", "add the country code, e.g. +1 415 555 0199"),
    ],
)
def test_a_bad_number_is_explained(client, operator, phone, to, message):
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-new"), {"to": to, "phone_number": phone.pk})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_only_the_operator_numbers_can_be_written_from(client, operator, phone, stranger):
    theirs = PhoneNumber.objects.get(phone_number_id="999001")
    client.force_login(operator)
    response = client.post(reverse("messaging:conversation-new"), {"to": "+447700900123", "phone_number": theirs.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_starting_a_conversation_needs_login_and_the_send_permission(client, phone, no_role_user):
    url = reverse("messaging:conversation-new")
    assert client.get(url).status_code == 302
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403
