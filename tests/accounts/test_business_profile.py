"""The business profile page (/settings/numbers/<phone_number_id>/profile/): Meta's copy read when
it opens, Meta's rules on each field, Meta's refusals on the field they concern, the audit entry.

Meta is the simulator (its GET is the proof of what Meta holds) or ``responses`` at the HTTP layer.
"""

import html
import json
import re

import pytest
import requests
import responses
from django.urls import reverse

from accounts import roles
from accounts.models import AuditEntry, BusinessProfile
from accounts.services import ensure_user

from cloudapi.simulator.demo import APP_ID

from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID
from ..media_samples import jpeg, pdf, png, upload

GRAPH = "https://graph.example"
PROFILE_URL = f"{GRAPH}/v21.0/{PHONE_NUMBER_ID}/whatsapp_business_profile"
BEFORE = {"about": "Fresh bread daily", "description": "A bakery.", "address": "1 Main St",
          "email": "hello@bakery.example", "websites": ["https://bakery.example/"], "vertical": "RESTAURANT"}


@pytest.fixture
def admin_client(client, phone):
    client.force_login(ensure_user(username="ada", password="pw-ada-123", role=roles.ADMINISTRATOR))
    return client


@pytest.fixture
def meta_graph(settings):
    settings.GRAPH_API_BASE_URL = GRAPH
    settings.GRAPH_API_VERSION = "v21.0"
    with responses.RequestsMock() as mock:
        yield mock


def _url(name="settings:number-profile", phone_number_id=PHONE_NUMBER_ID):
    return reverse(name, kwargs={"phone_number_id": phone_number_id})


def _meta(settings, method="GET", **kwargs):
    """Ask the simulator directly, as Meta would be asked."""
    answer = requests.request(method, f"{settings.GRAPH_API_BASE_URL}/{settings.GRAPH_API_VERSION}/{PHONE_NUMBER_ID}"
                              "/whatsapp_business_profile", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
                              timeout=5, **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"][0] if method == "GET" else answer.json()


def _form(**changes):
    data = {**BEFORE, **changes}
    return {key: value for key, value in data.items() if value is not None}


def _errors_of(response, field: str) -> str:
    found = re.search(rf'id="errors-{field}"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert found, f"no error box for {field}"
    return html.unescape(found.group(1))


def test_it_opens_with_metas_copy_and_the_preview_a_customer_sees(admin_client, simulator, settings):
    _meta(settings, "POST", json={"messaging_product": "whatsapp", **BEFORE})

    response = admin_client.get(_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Fresh bread daily"' in page and 'value="https://bakery.example/"' in page
    preview = page[page.index('id="profile-preview"'):]
    assert "Acme" in preview and "Restaurant" in preview and "1 Main St" in preview and "A bakery." in preview
    assert '<option value="RESTAURANT" selected>Restaurant</option>' in page
    assert '<span class="count" id="count-about">17 / 139</span>' in page
    cached = BusinessProfile.objects.get()
    assert (cached.about, cached.websites, cached.synced_at is not None) == ("Fresh bread daily",
                                                                             ["https://bakery.example/"], True)


def test_an_about_of_140_characters_is_refused_on_the_field_and_metas_copy_is_unchanged(
        admin_client, simulator, settings):
    _meta(settings, "POST", json={"messaging_product": "whatsapp", **BEFORE})

    response = admin_client.post(_url(), _form(about="x" * 140))

    assert response.status_code == 400
    assert "At most 139 characters (this has 140)." in _errors_of(response, "about")
    # The page drawn by the server marks the counter as the check does while typing.
    assert '<span class="count over" id="count-about">140 / 139</span>' in response.content.decode()
    assert _errors_of(response, "description").strip() == ""
    assert _meta(settings)["about"] == "Fresh bread daily"
    assert not AuditEntry.objects.filter(action="business_profile.update").exists()


def test_an_administrator_edits_the_profile_and_meta_has_the_change(admin_client, simulator, settings):
    _meta(settings, "POST", json={"messaging_product": "whatsapp", **BEFORE})
    admin_client.get(_url())  # the page as it opens: Meta's copy

    response = admin_client.post(_url(), _form(about="Open 7-19", vertical="GROCERY", description="",
                                               websites=["https://bakery.example/", "http://b.example/"]))

    assert response.status_code == 302 and response.url == _url()
    at_meta = _meta(settings)
    assert (at_meta["about"], at_meta["websites"], at_meta["vertical"]) == (
        "Open 7-19", ["https://bakery.example/", "http://b.example/"], "GROCERY")
    assert "description" not in at_meta or at_meta["description"] == ""
    assert at_meta["address"] == "1 Main St"
    entry = AuditEntry.objects.get(action="business_profile.update")
    assert entry.actor.username == "ada" and entry.object_model == "businessprofile"
    assert entry.details["fields"] == {
        "about": {"old": "Fresh bread daily", "new": "Open 7-19"},
        "description": {"old": "A bakery.", "new": ""},
        "websites": {"old": ["https://bakery.example/"], "new": ["https://bakery.example/", "http://b.example/"]},
        "vertical": {"old": "RESTAURANT", "new": "GROCERY"},
    }
    assert BusinessProfile.objects.get().about == "Open 7-19"


def test_it_sends_only_the_fields_that_changed(admin_client, meta_graph):
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE}]})
    meta_graph.post(PROFILE_URL, json={"success": True})
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE, "address": "2 Main St"}]})
    admin_client.get(_url())

    response = admin_client.post(_url(), _form(address="2 Main St"))

    assert response.status_code == 302
    assert json.loads(meta_graph.calls[1].request.body) == {"messaging_product": "whatsapp", "address": "2 Main St"}


@pytest.mark.parametrize("details, field", [
    ("Param websites[0] must be a valid URL", "websites"),
    ("Param email must be a valid email address", "email"),
    ("Param vertical must be one of UNDEFINED, OTHER, AUTO", "vertical"),
])
def test_metas_refusal_is_shown_on_the_field_it_concerns(admin_client, meta_graph, details, field):
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE}]})
    meta_graph.post(PROFILE_URL, status=400, json={"error": {
        "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100,
        "error_data": {"messaging_product": "whatsapp", "details": details}, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}})
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE}]})
    admin_client.get(_url())

    response = admin_client.post(_url(), _form(email="new@bakery.example", websites=["https://new.example/"],
                                               vertical="RETAIL"))

    assert response.status_code == 400
    assert f"Meta refused it: {details} (error 100)." in _errors_of(response, field)
    assert not AuditEntry.objects.filter(action="business_profile.update").exists()
    assert BusinessProfile.objects.get().email == "hello@bakery.example"


def test_a_refusal_naming_no_field_is_shown_above_the_form(admin_client, meta_graph):
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE}]})
    meta_graph.post(PROFILE_URL, status=401, json={"error": {
        "message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190,
        "error_subcode": 463}})
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE}]})
    admin_client.get(_url())

    response = admin_client.post(_url(), _form(about="Open late"))

    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert "Renew the token under Accounts" in response.content.decode()


def test_when_meta_cannot_be_asked_it_shows_the_last_copy_and_says_why(admin_client, meta_graph, phone):
    BusinessProfile.objects.create(phone_number=phone, about="Last known about", vertical="RETAIL")
    meta_graph.get(PROFILE_URL, status=503, body="upstream down")

    response = admin_client.get(_url())

    assert response.status_code == 200
    assert "Meta could not be reached to show the profile" in response.content.decode()
    assert 'value="Last known about"' in response.content.decode()


def test_the_check_endpoint_says_what_is_wrong_as_one_types(admin_client, meta_graph):
    response = admin_client.post(_url("settings:number-profile-check"),
                                 _form(about="x" * 140, email="nope", websites=["ftp://bakery.example/"]))

    assert response.status_code == 200
    assert "At most 139 characters (this has 140)." in _errors_of(response, "about")
    assert "Not an e-mail address" in _errors_of(response, "email")
    assert "must start with http:// or https://" in _errors_of(response, "websites")
    assert _errors_of(response, "address").strip() == ""
    assert 'class="count over" id="count-about" hx-swap-oob="true">140 / 139' in response.content.decode()
    assert 'id="profile-preview"' in response.content.decode()  # the preview follows the typing


@pytest.mark.parametrize("bad_id", ["000", "123456789012345", "abc", "-1"])
def test_an_unknown_or_malformed_number_is_404(admin_client, bad_id):
    assert admin_client.get(f"/settings/numbers/{bad_id}/profile/").status_code == 404


def test_a_picture_goes_through_the_resumable_upload_into_the_profile(admin_client, simulator, settings, account):
    account.app_id = APP_ID  # the simulator's Meta app
    account.save()

    response = admin_client.post(reverse("media_lib:profile-picture", args=[PHONE_NUMBER_ID]),
                                 {"profile_picture": upload("logo.png", png(size=(200, 200)))})

    assert response.status_code == 302 and response.url == _url()
    picture = _meta(settings)["profile_picture_url"]
    assert picture and BusinessProfile.objects.get().profile_picture_url == picture
    entry = AuditEntry.objects.get(action="business_profile.update")
    assert entry.details["fields"] == {"profile_picture": {"old": "", "new": picture}}


def test_a_file_that_is_not_a_picture_is_refused_under_the_picture_box(admin_client, simulator, settings, account):
    account.app_id = APP_ID
    account.save()

    response = admin_client.post(reverse("media_lib:profile-picture", args=[PHONE_NUMBER_ID]),
                                 {"profile_picture": upload("logo.png", pdf())})

    assert response.status_code == 400
    assert "PDF" in _errors_of(response, "profile_picture")
    assert "profile_picture_url" not in _meta(settings)


def test_metas_refusal_of_the_upload_is_shown_under_the_picture_box(admin_client, simulator, settings, account):
    account.app_id = "111111111111111"  # not the app Meta knows
    account.save()

    response = admin_client.post(reverse("media_lib:profile-picture", args=[PHONE_NUMBER_ID]),
                                 {"profile_picture": upload("logo.jpg", jpeg())})

    assert response.status_code == 400
    assert "Check the account's Meta app id (111111111111111)." in _errors_of(response, "profile_picture")
    assert "profile_picture_url" not in _meta(settings)
    assert not AuditEntry.objects.filter(action="business_profile.update").exists()


@pytest.mark.parametrize("picture, shown", [
    ("https://pps.whatsapp.net/v/t61.24694-24/123_n.jpg?oh=01&oe=6A", True),  # Meta's CDN
    ("http://127.0.0.1:8765/_sim/profile_pictures/ab12.jpg", False),  # a link the page's CSP would block
])
def test_the_preview_shows_the_picture_when_the_browser_may_load_it(admin_client, meta_graph, picture, shown):
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE,
                                                "profile_picture_url": picture}]})

    page = admin_client.get(_url()).content.decode()

    preview = html.unescape(page[page.index('id="profile-preview"'):])
    assert (f'<img src="{picture}"' in preview) is shown
    assert ("A picture is set" in preview) is not shown


def test_an_unchanged_form_sends_nothing_even_with_the_browsers_line_breaks(admin_client, meta_graph):
    meta_graph.get(PROFILE_URL, json={"data": [{"messaging_product": "whatsapp", **BEFORE,
                                                "description": "Bread.\nCakes on Saturdays."}]})
    admin_client.get(_url())

    response = admin_client.post(_url(), _form(description="Bread.\r\nCakes on Saturdays."), follow=False)

    assert response.status_code == 302  # and no POST reached Meta (responses would have refused it)
    assert [call.request.method for call in meta_graph.calls] == ["GET"]
    assert not AuditEntry.objects.filter(action="business_profile.update").exists()


def test_a_description_of_512_characters_with_browser_line_breaks_fits(admin_client, meta_graph):
    text = ("x" * 99 + "\r\n") * 5 + "x" * 12  # 512 characters as Meta counts them, 517 as posted

    response = admin_client.post(_url("settings:number-profile-check"), _form(description=text))

    assert _errors_of(response, "description").strip() == ""
    assert 'id="count-description" hx-swap-oob="true">512 / 512' in response.content.decode()
