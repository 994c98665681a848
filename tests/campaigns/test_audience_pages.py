"""The import pages, the contact list's label filter and the contact's attributes and labels."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry
from campaigns.models import ContactImport
from messaging.models import Contact, Label

from .. import factories

pytestmark = pytest.mark.django_db


def _csv(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_an_administrator_imports_a_csv_and_reads_the_report(client, administrator, phone, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # uploaded to a temporary file, as a large file is
    client.force_login(administrator)
    form = client.get(reverse("audiences:import-new")).content.decode()
    assert 'value="US" selected' in form  # the account's number is American: its region is the default

    response = client.post(reverse("audiences:import-new"), {
        "account": phone.account.pk, "region": "GB",
        "file": _csv("phone,name,city\n07700 900123,Ana,Leeds\nnot a number,Bob,\n"),
    })

    record = ContactImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("audiences:import-detail", args=[record.pk])
    page = client.get(response.url).content.decode()
    assert "United Kingdom (GB, +44)" in page
    assert "1 imported" in page and "1 refused" in page
    assert "“not a number” is not a phone number." in page
    refused_only = client.get(response.url, {"outcome": "refused"}).content.decode()
    assert "+447700900123" not in refused_only and "not a number" in refused_only
    assert Contact.objects.get(wa_id="447700900123").attributes == {"city": "Leeds"}
    assert "people.csv" in client.get(reverse("audiences:import-list")).content.decode()


def test_a_file_that_is_not_a_csv_is_refused_on_the_form(client, administrator, phone):
    client.force_login(administrator)

    response = client.post(reverse("audiences:import-new"), {
        "account": phone.account.pk, "region": "", "file": _csv("x", name="people.xlsx")})

    assert response.status_code == 400 and "Upload a .csv file" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_every_region_of_the_import_is_offered_by_its_name(client, administrator, phone):
    client.force_login(administrator)

    form = client.get(reverse("audiences:import-new")).content.decode()

    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]*)</option>', form)
    assert len(options) > 200
    assert [code for code, label in options if html.unescape(label).startswith(f"{code} (")] == []
    assert "Saint Barthélemy (BL, +590)" in html.unescape(form) and "Kosovo (XK, +383)" in form


def test_an_unknown_region_is_refused(client, administrator, phone):
    client.force_login(administrator)

    response = client.post(reverse("audiences:import-new"), {
        "account": phone.account.pk, "region": "ZZ", "file": _csv("phone\n+447700900123\n")})

    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_an_import_into_an_account_the_user_cannot_see_is_refused(client, administrator, phone):
    from ..conftest import user_of_another_account
    from accounts import roles

    stranger = user_of_another_account(username="sam", role=roles.OPERATOR)
    client.force_login(stranger)

    response = client.post(reverse("audiences:import-new"), {
        "account": phone.account.pk, "region": "", "file": _csv("phone\n+447700900123\n")})

    assert response.status_code == 403  # operators do not import at all
    assert not Contact.objects.exists()


def test_the_contact_list_filters_by_label_and_shows_labels_and_why_opted_out(client, operator, phone):
    vip = Label.objects.create(account=phone.account, name="VIP", colour="green")
    ana = factories.conversation(phone, wa_id="447700900001", name="Ana Able").contact
    factories.conversation(phone, wa_id="447700900002", name="Ben Bold")
    ana.labels.add(vip)
    client.force_login(operator)

    everyone = client.get(reverse("messaging:contact-list")).content.decode()
    tagged = client.get(reverse("messaging:contact-list"), {"label": vip.pk}).content.decode()

    assert "Ana Able" in everyone and "Ben Bold" in everyone
    assert "Ana Able" in tagged and "Ben Bold" not in tagged and 'label-green">VIP<' in tagged


def test_an_operator_edits_attributes_and_labels_audited(client, operator, phone):
    vip = Label.objects.create(account=phone.account, name="VIP")
    contact = factories.conversation(phone).contact
    contact.attributes = {"city": "York", "plan": "gold"}
    contact.save()
    client.force_login(operator)

    response = client.post(reverse("messaging:contact-profile", args=[contact.pk]), {
        "attributes": "city: Leeds\nplan:\nFirst Name = Sheena", "labels": [vip.pk], "new_labels": "Spring sale, vip"})

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.attributes == {"city": "Leeds", "first_name": "Sheena"}
    assert sorted(contact.labels.values_list("name", flat=True)) == ["Spring sale", "VIP"]
    entry = AuditEntry.objects.get(action="contact.update_profile")
    assert entry.details["attributes_changed"] == ["city", "first_name", "plan"]
    page = client.get(reverse("messaging:contact-detail", args=[contact.pk])).content.decode()
    assert "<dt>first_name</dt><dd>Sheena</dd>" in page


def test_a_bad_attribute_line_is_refused_with_its_line(client, operator, phone):
    contact = factories.conversation(phone).contact
    client.force_login(operator)

    response = client.post(reverse("messaging:contact-profile", args=[contact.pk]), {"attributes": "city Leeds"})

    assert response.status_code == 400 and "Line 1: write name: value." in response.content.decode()


def test_another_accounts_label_cannot_tag_a_contact(client, operator, phone):
    from accounts.models import BusinessAccount

    other = BusinessAccount.objects.create(name="Other", waba_id="999", access_token="x", app_secret="s", verify_token="v")
    foreign = Label.objects.create(account=other, name="Theirs")
    contact = factories.conversation(phone).contact
    client.force_login(operator)

    response = client.post(reverse("messaging:contact-profile", args=[contact.pk]), {"labels": [foreign.pk]})

    assert response.status_code == 400
    assert not contact.labels.exists()
