"""Support staff's admin for media: find a file by the ids they paste, upload through the same checks,
retry a download, delete the copies at Meta."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from media_lib.models import CloudMediaId, MediaAsset
from media_lib.services import register_inbound_media, store_upload
from messaging.models import Message

from .. import factories

from ..conftest import PHONE_NUMBER_ID
from ..media_samples import jpeg, pdf, png, upload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:media_lib_mediaasset_changelist"


@pytest.fixture
def photo(account):
    return store_upload(account=account, uploaded_file=upload("Summer menu.png", png()))


def test_it_finds_a_file_by_sha256_meta_media_id_or_name(admin_client, photo, phone):
    CloudMediaId.objects.create(asset=photo, phone_number=phone, media_id="4490709327384033", uploaded_at=timezone.now(),
                                expires_at=timezone.now() + timedelta(days=30))
    received = register_inbound_media(account=phone.account, phone_number=phone, media_id="827776106019109",
                                      mime_type="audio/ogg", sha256="", download=False)

    for query, expected in [(photo.sha256, photo), ("4490709327384033", photo), ("summer", photo),
                            ("827776106019109", received)]:
        page = admin_client.get(reverse(CHANGELIST), {"q": query}).text
        assert f"/admin/media_lib/mediaasset/{expected.pk}/change/" in page, query

    detail = admin_client.get(reverse("admin:media_lib_mediaasset_change", args=[photo.pk])).text
    assert "4490709327384033" in detail  # the Meta media ids inline


def test_adding_in_the_admin_is_an_upload_through_the_same_checks(admin_client, account):
    url = reverse("admin:media_lib_mediaasset_add")

    refused = admin_client.post(url, {"account": account.pk, "upload": upload("photo.jpg", pdf())})
    added = admin_client.post(url, {"account": account.pk, "upload": upload("photo.jpg", jpeg())})

    assert refused.status_code == 200 and "The name says .jpg (JPEG image), but the file is a PDF document." in refused.text
    asset = MediaAsset.objects.get()
    assert added.status_code == 302
    assert (asset.kind, asset.original_name, asset.origin) == ("image", "photo.jpg", "uploaded")


def test_the_retry_action_downloads_a_failed_file_again(admin_client, phone, django_capture_on_commit_callbacks):
    content = jpeg()
    asset = register_inbound_media(account=phone.account, phone_number=phone, media_id="42", mime_type="image/jpeg",
                                   sha256="", url="https://lookaside.fbsbx.com/m/42", download=False)
    MediaAsset.objects.filter(pk=asset.pk).update(download_state="failed", last_error="timed out")

    with responses.RequestsMock() as graph, django_capture_on_commit_callbacks(execute=True):
        graph.get("https://lookaside.fbsbx.com/m/42", body=content, content_type="image/jpeg")
        admin_client.post(reverse(CHANGELIST), {"action": "retry_downloads", "_selected_action": [asset.pk]})

    asset.refresh_from_db()
    assert asset.download_state == "done"


def test_the_delete_at_meta_action_forgets_the_ids(admin_client, photo, phone):
    CloudMediaId.objects.create(asset=photo, phone_number=phone, media_id="111", uploaded_at=timezone.now(),
                                expires_at=timezone.now() + timedelta(days=30))

    with responses.RequestsMock() as graph:
        graph.delete(f"http://graph.test/v24.0/111?phone_number_id={PHONE_NUMBER_ID}", json={"success": True})
        response = admin_client.post(reverse(CHANGELIST), {"action": "delete_copies_at_meta", "_selected_action": [photo.pk]},
                                     follow=True)

    assert "1 copy(ies) deleted at Meta." in response.text
    assert not CloudMediaId.objects.exists() and MediaAsset.objects.filter(pk=photo.pk).exists()


def _with_live_id(asset, phone, media_id="111"):
    CloudMediaId.objects.create(asset=asset, phone_number=phone, media_id=media_id, uploaded_at=timezone.now(),
                                expires_at=timezone.now() + timedelta(days=30))


def test_deleting_in_the_admin_deletes_at_meta_then_here_even_when_in_use(
    admin_client, photo, phone, django_capture_on_commit_callbacks
):
    _with_live_id(photo, phone)
    conversation = factories.conversation(phone)
    Message.objects.create(conversation=conversation, direction="out", type="image", payload={"asset": photo.pk},
                           media_asset=photo, status="accepted")
    stored = photo.file.name

    with responses.RequestsMock() as graph, django_capture_on_commit_callbacks(execute=True):
        graph.delete(f"http://graph.test/v24.0/111?phone_number_id={PHONE_NUMBER_ID}", json={"success": True})
        response = admin_client.post(reverse("admin:media_lib_mediaasset_delete", args=[photo.pk]), {"post": "yes"},
                                     follow=True)

    assert response.status_code == 200 and "was deleted successfully" in response.text
    assert not MediaAsset.objects.exists() and not CloudMediaId.objects.exists()
    assert not photo.file.storage.exists(stored)


def test_when_meta_cannot_delete_a_copy_the_admin_deletes_nothing_and_says_so(admin_client, photo, phone):
    _with_live_id(photo, phone)

    with responses.RequestsMock() as graph:
        graph.delete(f"http://graph.test/v24.0/111?phone_number_id={PHONE_NUMBER_ID}", status=500,
                     json={"error": {"message": "Internal error", "code": 2}})
        response = admin_client.post(reverse("admin:media_lib_mediaasset_delete", args=[photo.pk]), {"post": "yes"},
                                     follow=True)

    assert "Nothing was deleted here; try again." in response.text
    assert "was deleted successfully" not in response.text
    assert MediaAsset.objects.filter(pk=photo.pk).exists() and CloudMediaId.objects.filter(media_id="111").exists()
