"""The library page, uploads through it, delete with its confirmation, the composer's picker, and
serving: only after a login, a permission and an account check, with headers that stop a browser
from running anything uploaded."""

from __future__ import annotations

import pytest
import responses
from django.contrib.auth.models import Permission
from django.urls import reverse

from media_lib.models import CloudMediaId, MediaAsset
from media_lib.services import register_inbound_media, store_upload

from ..conftest import PHONE_NUMBER_ID
from ..media_samples import jpeg, mp4, pdf, png, text, upload, webp_sticker

pytestmark = pytest.mark.django_db

CSP = "default-src 'none'; sandbox"


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="media_lib", codename__in=codenames))
    return user


@pytest.fixture
def librarian(operator):
    """An operator of our number allowed to view, upload and delete media."""
    return grant(operator, "view_mediaasset", "add_mediaasset", "delete_mediaasset")


@pytest.fixture
def outsider(stranger):
    """An operator of another business, holding the same media permissions."""
    return grant(stranger, "view_mediaasset", "add_mediaasset", "delete_mediaasset")


@pytest.fixture
def photo(account):
    return store_upload(account=account, uploaded_file=upload("Summer menu.png", png((640, 480))))


@pytest.fixture
def menu(account):
    return store_upload(account=account, uploaded_file=upload("Menu.pdf", pdf()))


# -- serving ------------------------------------------------------------------------------------


def test_it_serves_an_image_inline_with_headers_that_stop_scripts(client, librarian, photo):
    client.force_login(librarian)

    response = client.get(reverse("media_lib:asset-serve", args=[photo.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline") and "Summer menu.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CSP
    assert b"".join(response.streaming_content) == png((640, 480))


@pytest.mark.parametrize(
    ("name", "build", "content_type", "disposition"),
    [
        ("Menu.pdf", pdf, "application/pdf", "attachment"),
        ("hours.txt", text, "text/plain", "attachment"),
        ("clip.mp4", mp4, "video/mp4", "inline"),
        ("sticker.webp", webp_sticker, "image/webp", "inline"),
        ("photo.jpg", jpeg, "image/jpeg", "inline"),
    ],
)
def test_it_serves_each_kind_with_its_type_and_documents_as_attachments(
    client, librarian, account, name, build, content_type, disposition
):
    asset = store_upload(account=account, uploaded_file=upload(name, build()))
    client.force_login(librarian)

    response = client.get(reverse("media_lib:asset-serve", args=[asset.pk]))

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].split(";")[0] == disposition
    assert response["Content-Security-Policy"] == CSP


def test_a_customers_html_file_is_served_as_an_opaque_download(client, librarian, phone, responses_mock):
    html = b"<html><script>alert(document.cookie)</script></html>"
    asset = _received(phone, html, kind="document", mime_type="text/html", filename="invoice.html",
                      responses_mock=responses_mock)
    client.force_login(librarian)

    response = client.get(reverse("media_lib:asset-serve", args=[asset.pk]))

    assert asset.download_state == "done"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == CSP


def test_it_serves_the_thumbnail(client, librarian, photo):
    client.force_login(librarian)

    response = client.get(reverse("media_lib:thumbnail-serve", args=[photo.pk]))

    assert (response.status_code, response["Content-Type"]) == (200, "image/jpeg")
    assert response["Content-Security-Policy"] == CSP


def test_anonymous_visitors_are_sent_to_log_in(client, photo):
    for url in (reverse("media_lib:asset-serve", args=[photo.pk]), reverse("media_lib:thumbnail-serve", args=[photo.pk]),
                reverse("media_lib:asset-list"), reverse("media_lib:asset-picker")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_operator_of_another_business_gets_not_found(client, outsider, photo):
    client.force_login(outsider)

    assert client.get(reverse("media_lib:asset-serve", args=[photo.pk])).status_code == 404
    assert client.get(reverse("media_lib:thumbnail-serve", args=[photo.pk])).status_code == 404
    assert client.get(reverse("media_lib:asset-delete", args=[photo.pk])).status_code == 404


def test_a_user_without_the_permission_is_refused(client, no_role_user, photo):
    client.force_login(no_role_user)

    assert client.get(reverse("media_lib:asset-serve", args=[photo.pk])).status_code == 403
    assert client.get(reverse("media_lib:asset-list")).status_code == 403


@pytest.mark.parametrize(
    ("name", "method"),
    [("asset-serve", "get"), ("thumbnail-serve", "get"), ("asset-delete", "get"), ("asset-delete", "post"),
     ("asset-retry", "post"), ("asset-status", "get")],
)
def test_every_page_of_a_file_checks_login_permission_and_account(
    client, no_role_user, outsider, librarian, photo, name, method
):
    url = reverse(f"media_lib:{name}", args=[photo.pk])

    anonymous = getattr(client, method)(url)
    client.force_login(no_role_user)
    without_permission = getattr(client, method)(url)
    client.force_login(outsider)
    stranger = getattr(client, method)(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert (without_permission.status_code, stranger.status_code) == (403, 404)
    assert MediaAsset.objects.filter(pk=photo.pk).exists()


def test_a_file_not_downloaded_yet_is_not_found(client, librarian, phone):
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                   sha256="", download=False)
    client.force_login(librarian)

    assert client.get(reverse("media_lib:asset-serve", args=[asset.pk])).status_code == 404


def test_stored_files_have_no_public_url(client, photo):
    assert client.get(f"/media/{photo.file.name}").status_code == 404
    assert client.get(f"/{photo.file.name}").status_code == 404


# -- library page ---------------------------------------------------------------------------------


def test_the_library_shows_previews_names_and_uses(client, librarian, photo, menu, in_use):
    in_use[menu.pk] = ["Template order_ready (en_US)"]
    client.force_login(librarian)

    page = client.get(reverse("media_lib:asset-list")).text

    assert "Summer menu.png" in page and "Menu.pdf" in page
    assert f'src="{reverse("media_lib:thumbnail-serve", args=[photo.pk])}"' in page
    assert "Used in: Template order_ready (en_US)" in page
    assert 'name="file"' in page  # the upload form


def test_the_library_filters_by_kind_and_searches_by_name(client, librarian, photo, menu):
    client.force_login(librarian)

    documents = client.get(reverse("media_lib:asset-list"), {"kind": "document"}).text
    searched = client.get(reverse("media_lib:asset-list"), {"q": "summer"}).text

    assert "Menu.pdf" in documents and "Summer menu.png" not in documents
    assert "Summer menu.png" in searched and "Menu.pdf" not in searched


def test_the_library_shows_received_files_and_their_download_state_on_request(client, librarian, phone, photo):
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                   sha256="", download=False)
    MediaAsset.objects.filter(pk=asset.pk).update(download_state="failed", last_error="Download failed: timed out")
    client.force_login(librarian)

    uploaded = client.get(reverse("media_lib:asset-list")).text
    received = client.get(reverse("media_lib:asset-list"), {"origin": "inbound"}).text

    assert f'id="asset-{asset.pk}"' not in uploaded
    assert f'id="asset-{asset.pk}"' in received and "Download failed: timed out" in received
    assert reverse("media_lib:asset-retry", args=[asset.pk]) in received


def test_the_library_never_shows_another_business_files(client, outsider, photo):
    client.force_login(outsider)

    assert "Summer menu.png" not in client.get(reverse("media_lib:asset-list")).text


def test_it_uploads_through_the_page(client, librarian, account):
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-upload"), {"account": account.pk, "file": upload("logo.png", png())})

    asset = MediaAsset.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#asset-{asset.pk}")
    assert asset.created_by == librarian
    assert "“logo.png” was added to the library." in client.get(response["Location"]).text


def test_an_upload_already_in_the_library_says_so(client, librarian, account, photo):
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-upload"), {"account": account.pk, "file": upload("again.png", png((640, 480)))},
                           follow=True)

    assert "This file is already in the library as “Summer menu.png”." in response.text
    assert MediaAsset.objects.count() == 1


def test_a_refused_upload_shows_why_on_the_form(client, librarian, account):
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-upload"), {"account": account.pk, "file": upload("photo.jpg", pdf())})

    assert response.status_code == 400
    assert "The name says .jpg (JPEG image), but the file is a PDF document." in response.text
    assert MediaAsset.objects.count() == 0


def test_uploading_to_another_business_is_refused(client, librarian, outsider):
    other_account = outsider.phone_numbers.get().account
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-upload"), {"account": other_account.pk, "file": upload("a.png", png())})

    assert response.status_code == 400 and MediaAsset.objects.count() == 0


def test_uploading_needs_the_add_permission(client, no_role_user, account):
    client.force_login(grant(no_role_user, "view_mediaasset"))

    response = client.post(reverse("media_lib:asset-upload"), {"account": account.pk, "file": upload("a.png", png())})

    assert response.status_code == 403 and MediaAsset.objects.count() == 0


# -- delete ---------------------------------------------------------------------------------------


def test_deleting_asks_first_and_lists_the_uses(client, librarian, menu, in_use):
    in_use[menu.pk] = ["Message to Sheena Nelson", "Template order_ready (en_US)"]
    client.force_login(librarian)

    page = client.get(reverse("media_lib:asset-delete", args=[menu.pk])).text

    assert "This file is in use" in page and "Message to Sheena Nelson" in page and 'name="force"' in page


def test_deleting_a_file_in_use_without_confirming_is_refused(client, librarian, menu, in_use):
    in_use[menu.pk] = ["Message to Sheena Nelson"]
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-delete", args=[menu.pk]))

    assert response.status_code == 400
    assert "“Menu.pdf” is in use: Message to Sheena Nelson. Confirm to delete it anyway." in response.text
    assert MediaAsset.objects.filter(pk=menu.pk).exists()


def test_deleting_removes_the_file_here_and_at_meta(client, librarian, menu, phone, in_use, responses_mock):
    in_use[menu.pk] = ["Message to Sheena Nelson"]
    CloudMediaId.objects.create(asset=menu, phone_number=phone, media_id="111", uploaded_at=menu.created_at,
                                expires_at=menu.created_at.replace(year=menu.created_at.year + 1))
    responses_mock.delete(f"http://graph.test/v24.0/111?phone_number_id={PHONE_NUMBER_ID}", json={"success": True})
    client.force_login(librarian)

    response = client.post(reverse("media_lib:asset-delete", args=[menu.pk]), {"force": "1"}, follow=True)

    assert "“Menu.pdf” was deleted." in response.text
    assert not MediaAsset.objects.exists()
    assert len(responses_mock.calls) == 1


def test_deleting_needs_the_delete_permission(client, operator, menu):
    client.force_login(grant(operator, "view_mediaasset"))

    assert client.post(reverse("media_lib:asset-delete", args=[menu.pk]), {"force": "1"}).status_code == 403
    assert MediaAsset.objects.filter(pk=menu.pk).exists()


# -- picker, status, retry ------------------------------------------------------------------------


def test_the_picker_lists_stored_files_of_one_kind_as_choices(client, librarian, phone, photo, menu):
    pending = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                     sha256="", download=False)
    client.force_login(librarian)

    response = client.get(reverse("media_lib:asset-picker"), {"kind": "image", "phone_number": phone.pk, "field": "header_media"})

    html = response.text
    assert "<html" not in html  # a partial for htmx
    assert f'name="header_media" value="{photo.pk}"' in html
    assert f'value="{menu.pk}"' not in html and f'value="{pending.pk}"' not in html


def test_the_picker_searches_and_stays_within_the_users_accounts(client, librarian, outsider, photo, account):
    store_upload(account=account, uploaded_file=upload("Logo.png", png(color=(0, 0, 0))))
    client.force_login(librarian)

    searched = client.get(reverse("media_lib:asset-picker"), {"kind": "image", "media_picker_q": "summ"}).text
    client.force_login(outsider)
    foreign = client.get(reverse("media_lib:asset-picker"), {"kind": "image"}).text

    assert "Summer menu.png" in searched and "Logo.png" not in searched
    assert "Summer menu.png" not in foreign and "No images in the library yet." in foreign


def test_the_status_partial_polls_while_downloading(client, librarian, phone):
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                   sha256="", download=False)
    client.force_login(librarian)

    html = client.get(reverse("media_lib:asset-status", args=[asset.pk])).text

    assert "Waiting to download" in html and 'hx-trigger="every 3s"' in html


def test_the_retry_button_downloads_again(client, librarian, phone, responses_mock, django_capture_on_commit_callbacks):
    content = jpeg()
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                   sha256="", download=False)
    MediaAsset.objects.filter(pk=asset.pk).update(download_state="failed", last_error="Download failed: timed out")
    responses_mock.get("http://graph.test/v24.0/42", json={"id": "42", "url": "https://lookaside.fbsbx.com/m/42",
                                                          "mime_type": "image/jpeg", "file_size": len(content)})
    responses_mock.get("https://lookaside.fbsbx.com/m/42", body=content, content_type="image/jpeg")
    client.force_login(librarian)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("media_lib:asset-retry", args=[asset.pk]), headers={"HX-Request": "true"})

    asset.refresh_from_db()
    assert response.status_code == 200 and asset.download_state == "done"
    assert reverse("media_lib:asset-serve", args=[asset.pk]) in client.get(
        reverse("media_lib:asset-status", args=[asset.pk])).text


@pytest.fixture
def responses_mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _received(phone, content: bytes, *, kind: str, mime_type: str, filename: str, responses_mock) -> MediaAsset:
    url = "https://lookaside.fbsbx.com/m/77"
    responses_mock.get(url, body=content, content_type=mime_type)
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="77", mime_type=mime_type,
                                   sha256="", url=url, kind=kind, filename=filename, download=False)
    from media_lib.services import download_inbound_media

    return download_inbound_media(asset_id=asset.pk)
