"""Settings → People and roles: an administrator sets up a team without the Django admin."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry
from accounts.services import ensure_user
from accounts.services.audit import record_audit
from accounts.services.people import deactivate_person

from .. import factories

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-Passw0rd"


@pytest.fixture
def administrator(phone):
    return ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR)


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def _add(admin_client, **changes):
    data = {"name": "Olivia Park", "email": "olivia@example.com", "username": "olivia", "roles": [roles.OPERATOR],
            "phone_numbers": [], "password": "link", **changes}
    return admin_client.post(reverse("settings:person-add"), data, follow=True)


def _log_in(username: str, password: str) -> tuple[Client, int]:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client, response.status_code


def test_it_adds_an_operator_who_sets_a_password_by_link_and_sees_only_their_number(admin_client, phone, add_phone):
    other = add_phone("106540352242999", "15550009999")
    factories.conversation(phone, wa_id="16505551234", name="Sheena Nelson")
    factories.conversation(other, wa_id="16505550000", name="Pat Elsewhere")

    response = _add(admin_client, phone_numbers=[phone.pk])

    assert response.status_code == 200
    olivia = get_user_model().objects.get(username="olivia")
    assert response.redirect_chain == [(reverse("settings:person-welcome", args=[olivia.pk]), 302)]
    link = response.context["way_in"]["link"]
    assert link.startswith("http://testserver/password/set/") and link in response.text
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    assert (olivia.get_full_name(), olivia.email, olivia.has_usable_password()) == ("Olivia Park", "olivia@example.com", False)

    # Olivia opens the link she was handed, chooses a password, and logs in with it.
    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert "Choose your password" in form_page.text and "olivia" in form_page.text
    done = anonymous.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("login")
    assert "does not work any more" in anonymous.get(link, follow=True).text  # once only

    operator, status = _log_in("olivia", NEW_PASSWORD)
    assert status == 302
    inbox = operator.get(reverse("messaging:inbox")).text
    assert "Sheena Nelson" in inbox and "Pat Elsewhere" not in inbox

    people = admin_client.get(reverse("settings:people")).text
    assert "Olivia Park" in people and "+15550783881" in people and "Operator" in people


def test_each_role_is_offered_with_a_line_on_what_it_may_do(admin_client):
    page = admin_client.get(reverse("settings:person-add")).text

    for name in roles.ROLES:
        assert f'value="{name}"' in page
        assert roles.DESCRIPTIONS[name].replace("'", "&#x27;") in page


def test_a_temporary_password_is_shown_once_and_lets_them_in(admin_client):
    response = _add(admin_client, password="temporary", roles=[roles.TEMPLATE_MANAGER, roles.SUPPORT])

    temporary = response.context["way_in"]["temporary_password"]
    assert temporary and temporary in response.text
    # Shown on a page of its own (POST/redirect/GET): a reload adds nobody and shows it no more.
    again = admin_client.get(response.redirect_chain[-1][0])
    assert again.status_code == 200 and temporary not in again.text
    assert "The way in for olivia was shown already" in again.text and "Make a new set-password link" in again.text
    assert get_user_model().objects.filter(username="olivia").count() == 1
    assert _log_in("olivia", temporary)[1] == 302
    olivia = get_user_model().objects.get(username="olivia")
    assert set(olivia.groups.values_list("name", flat=True)) == {roles.TEMPLATE_MANAGER, roles.SUPPORT}
    entry = AuditEntry.objects.get(action="user.added")
    assert entry.details == {"username": "olivia", "roles": [roles.SUPPORT, roles.TEMPLATE_MANAGER],
                             "password": "temporary"}
    assert temporary not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_the_way_in_waits_in_the_session_encrypted_until_its_page_shows_it(admin_client):
    data = {"name": "Olivia Park", "email": "olivia@example.com", "username": "olivia", "roles": [roles.OPERATOR],
            "phone_numbers": [], "password": "temporary"}
    posted = admin_client.post(reverse("settings:person-add"), data)

    kept = admin_client.session["settings.person_way_in"]
    page = admin_client.get(posted.url)

    temporary = page.context["way_in"]["temporary_password"]
    assert posted.status_code == 302 and temporary in page.text
    assert temporary not in json.dumps(kept) and kept["temporary_password"].startswith("gAAAA")  # Fernet
    assert "settings.person_way_in" not in admin_client.session


def test_the_link_is_e_mailed_when_mail_is_configured(admin_client, settings):
    settings.EMAIL_HOST = "smtp.example.com"

    response = _add(admin_client)

    assert [message.to for message in mail.outbox] == [["olivia@example.com"]]
    assert response.context["way_in"]["link"] in mail.outbox[0].body
    assert "also e-mailed to olivia@example.com" in response.text


def test_nothing_is_e_mailed_without_a_mail_server(admin_client):
    _add(admin_client)
    assert mail.outbox == []


def test_a_taken_username_is_an_error_on_its_field_and_adds_nobody(admin_client, operator):
    response = _add(admin_client, username="OLIVIA", email="someone@example.com")

    assert response.status_code == 400
    assert response.context["form"].errors["username"] == ["There is already somebody with the username OLIVIA."]
    assert get_user_model().objects.filter(username__iexact="olivia").count() == 1
    assert not AuditEntry.objects.filter(action="user.added").exists()


def test_bad_input_is_refused_on_its_fields(admin_client):
    response = _add(admin_client, email="not-an-address", username="has spaces", roles=["Wizard"])

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "username", "roles"}


def test_roles_and_numbers_changed_on_a_persons_page_are_audited(admin_client, administrator, operator, phone, add_phone):
    other = add_phone("106540352242999", "15550009999")

    response = admin_client.post(reverse("settings:person-detail", args=[operator.pk]),
                                 {"roles": [roles.OPERATOR, roles.SUPPORT], "phone_numbers": [other.pk]})

    assert response.status_code == 302
    assert list(operator.phone_numbers.all()) == [other]
    entries = {(e.action, json.dumps(e.details)): e.actor for e in AuditEntry.objects.filter(actor=administrator)}
    assert set(entries) == {
        ("user.groups_added", '{"groups": ["Support"]}'),
        ("phone_number.operator_revoked", '{"users": ["olivia"]}'),
        ("phone_number.operator_granted", '{"users": ["olivia"]}'),
    }


def test_a_deactivated_person_cannot_log_in_and_keeps_their_name_in_the_history(admin_client, administrator, operator):
    record_audit(actor=operator, action="message.send", obj=operator.phone_numbers.get())  # something they did

    response = admin_client.post(reverse("settings:person-active", args=[operator.pk]), {"action": "deactivate"})

    assert response.status_code == 302
    assert "olivia can&#x27;t log in any more." in admin_client.get(response.url).text
    assert _log_in("olivia", "pw-olivia-123")[1] == 200  # the login form again
    assert "deactivated" in admin_client.get(reverse("settings:people")).text
    entry = AuditEntry.objects.get(action="user.deactivated")
    assert (entry.actor, entry.object_label) == (administrator, "olivia")
    assert AuditEntry.objects.filter(actor_username="olivia").exists()

    admin_client.post(reverse("settings:person-active", args=[operator.pk]), {"action": "reactivate"})
    assert _log_in("olivia", "pw-olivia-123")[1] == 302
    assert AuditEntry.objects.filter(action="user.reactivated", actor=administrator).exists()


def test_a_logged_in_person_is_logged_out_once_deactivated(admin_client, operator):
    session = Client()
    session.force_login(operator)
    admin_client.post(reverse("settings:person-active", args=[operator.pk]), {"action": "deactivate"})

    assert session.get(reverse("messaging:inbox")).status_code == 302  # to the login page


def test_an_administrator_cannot_deactivate_themselves(admin_client, administrator):
    response = admin_client.post(reverse("settings:person-active", args=[administrator.pk]), {"action": "deactivate"},
                                 follow=True)

    assert "You can&#x27;t deactivate yourself" in response.text
    administrator.refresh_from_db()
    assert administrator.is_active


def test_the_last_administrator_keeps_the_role(admin_client, administrator):
    response = admin_client.post(reverse("settings:person-detail", args=[administrator.pk]), {"roles": [roles.OPERATOR]})

    assert response.status_code == 400
    assert "they are the last administrator" in response.text
    assert list(administrator.groups.values_list("name", flat=True)) == [roles.ADMINISTRATOR]
    with pytest.raises(ValidationError, match="last administrator"):
        deactivate_person(actor=None, user=administrator)  # a script, say: still refused


def test_with_a_second_administrator_the_first_can_step_down(admin_client, administrator):
    ensure_user(username="bea", password="pw-bea-123", role=roles.ADMINISTRATOR)

    response = admin_client.post(reverse("settings:person-detail", args=[administrator.pk]), {"roles": [roles.OPERATOR]})

    assert response.status_code == 302
    assert list(administrator.groups.values_list("name", flat=True)) == [roles.OPERATOR]


def test_a_new_link_can_be_made_and_a_deactivated_persons_link_does_not_work(admin_client, operator):
    made = admin_client.post(reverse("settings:person-password-link", args=[operator.pk]), follow=True)
    link = made.context["way_in"]["link"]
    assert made.redirect_chain == [(reverse("settings:person-welcome", args=[operator.pk]), 302)]
    admin_client.post(reverse("settings:person-active", args=[operator.pk]), {"action": "deactivate"})

    assert "does not work any more" in Client().get(link, follow=True).text
    assert AuditEntry.objects.filter(action="user.password_link", object_label="olivia").exists()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_people_lists_name_e_mail_roles_numbers_and_last_login(admin_client, operator):
    operator.email = "olivia@example.com"
    operator.save()

    page = admin_client.get(reverse("settings:people")).text

    assert "olivia@example.com" in page and "+15550783881" in page and "never" in page
    assert "ada" in page and "Administrator" in page
