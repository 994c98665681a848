"""Meta media ids (faked at the HTTP layer): uploaded once per number, reused, re-uploaded before
they expire or when Meta forgot them; deleting an asset deletes it at Meta, unless it is in use."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.core.exceptions import ValidationError
from django.utils import timezone
from responses import matchers

from accounts.models import BusinessAccount, PhoneNumber
from cloudapi.errors import CloudApiError
from media_lib.models import CloudMediaId, MediaAsset
from media_lib.services import (
    AssetInUse,
    delete_asset,
    ensure_cloud_media_id,
    is_unknown_media_error,
    refresh_cloud_media_id,
    register_inbound_media,
    store_upload,
)

from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID
from ..media_samples import pdf, png, upload

pytestmark = pytest.mark.django_db

GRAPH = "http://graph.test/v24.0"
UPLOAD_URL = f"{GRAPH}/{PHONE_NUMBER_ID}/media"


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def asset(account):
    return store_upload(account=account, uploaded_file=upload("menu.png", png()))


def test_it_uploads_once_and_reuses_the_id(graph, asset, phone):
    graph.post(UPLOAD_URL, json={"id": "4490709327384033"})

    first = ensure_cloud_media_id(asset=asset, phone_number=phone)
    again = ensure_cloud_media_id(asset=asset, phone_number=phone)

    assert first == again == "4490709327384033"
    assert len(graph.calls) == 1
    request = graph.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert b'name="type"\r\n\r\nimage/png' in request.body and png() in request.body
    cloud_id = CloudMediaId.objects.get()
    assert cloud_id.expires_at - cloud_id.uploaded_at == timedelta(days=30)


def test_it_re_uploads_an_id_that_is_about_to_expire(graph, asset, phone):
    graph.post(UPLOAD_URL, json={"id": "111"})
    graph.post(UPLOAD_URL, json={"id": "222"})
    start = timezone.now()

    assert ensure_cloud_media_id(asset=asset, phone_number=phone, now=start) == "111"
    assert ensure_cloud_media_id(asset=asset, phone_number=phone, now=start + timedelta(days=28)) == "111"
    assert ensure_cloud_media_id(asset=asset, phone_number=phone, now=start + timedelta(days=29, hours=1)) == "222"
    assert ensure_cloud_media_id(asset=asset, phone_number=phone, now=start + timedelta(days=31)) == "222"

    assert len(graph.calls) == 2
    assert CloudMediaId.objects.get().media_id == "222"


def test_it_keeps_one_id_per_number(graph, asset, phone, add_phone):
    second = add_phone("106540352242923")
    graph.post(UPLOAD_URL, json={"id": "111"})
    graph.post(f"{GRAPH}/106540352242923/media", json={"id": "333"})

    assert ensure_cloud_media_id(asset=asset, phone_number=phone) == "111"
    assert ensure_cloud_media_id(asset=asset, phone_number=second) == "333"
    assert CloudMediaId.objects.count() == 2


def test_it_uploads_again_when_meta_says_the_id_is_unknown(graph, asset, phone):
    graph.post(UPLOAD_URL, json={"id": "111"})
    graph.post(UPLOAD_URL, json={"id": "222"})
    ensure_cloud_media_id(asset=asset, phone_number=phone)
    refused = CloudApiError(message="(#131053) Media upload error", code=131053, http_status=400)

    assert is_unknown_media_error(refused)
    assert refresh_cloud_media_id(asset=asset, phone_number=phone) == "222"
    assert ensure_cloud_media_id(asset=asset, phone_number=phone) == "222"
    assert not is_unknown_media_error(CloudApiError(message="(#131047) Re-engagement message", code=131047))


def test_meta_refusing_the_upload_keeps_no_id(graph, asset, phone):
    graph.post(UPLOAD_URL, status=400, json={"error": {"message": "(#131053) Media upload error", "code": 131053}})

    with pytest.raises(CloudApiError):
        ensure_cloud_media_id(asset=asset, phone_number=phone)

    assert CloudMediaId.objects.count() == 0


def test_it_refuses_a_number_of_another_account_or_a_file_not_downloaded_yet(asset, phone):
    other = BusinessAccount.objects.create(name="Other", waba_id="777", access_token="t", app_secret="s", verify_token="v")
    foreign = PhoneNumber.objects.create(account=other, phone_number_id="777001", display_phone_number="15557770000")
    pending = register_inbound_media(account=phone.account, phone_number=phone, media_id="9", mime_type="image/jpeg",
                                     sha256="", download=False)

    with pytest.raises(ValidationError, match="another business account"):
        ensure_cloud_media_id(asset=asset, phone_number=foreign)
    with pytest.raises(ValidationError, match="not stored yet"):
        ensure_cloud_media_id(asset=pending, phone_number=phone)


def test_deleting_an_asset_deletes_it_at_meta_and_from_storage(
    graph, asset, phone, django_capture_on_commit_callbacks
):
    graph.post(UPLOAD_URL, json={"id": "111"})
    ensure_cloud_media_id(asset=asset, phone_number=phone)
    graph.delete(f"{GRAPH}/111", json={"success": True},
                 match=[matchers.query_param_matcher({"phone_number_id": PHONE_NUMBER_ID})])
    storage, name = asset.file.storage, asset.file.name

    with django_capture_on_commit_callbacks(execute=True):
        delete_asset(asset=asset)

    assert not MediaAsset.objects.exists() and not CloudMediaId.objects.exists()
    assert not storage.exists(name)
    assert [call.request.method for call in graph.calls] == ["POST", "DELETE"]


def test_deleting_an_asset_in_use_is_refused_unless_forced(graph, asset, phone, in_use):
    in_use[asset.pk] = ["Message to Sheena Nelson on 3 May", "Template order_ready (en_US)"]

    with pytest.raises(AssetInUse) as refused:
        delete_asset(asset=asset)

    assert refused.value.messages == [
        "“menu.png” is in use: Message to Sheena Nelson on 3 May; Template order_ready (en_US). Confirm to delete it anyway."
    ]
    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert len(graph.calls) == 0

    delete_asset(asset=asset, force=True)

    assert not MediaAsset.objects.filter(pk=asset.pk).exists()


def test_meta_failing_to_delete_keeps_the_asset(graph, asset, phone):
    graph.post(UPLOAD_URL, json={"id": "111"})
    ensure_cloud_media_id(asset=asset, phone_number=phone)
    graph.delete(f"{GRAPH}/111", status=500, body="<html>oops</html>")

    with pytest.raises(ValidationError, match="Meta could not delete the copy of “menu.png” on \\+15550783881"):
        delete_asset(asset=asset)

    assert MediaAsset.objects.filter(pk=asset.pk).exists()
    assert CloudMediaId.objects.count() == 1


def test_ids_meta_already_forgot_or_that_expired_are_just_dropped(graph, account, phone):
    asset = store_upload(account=account, uploaded_file=upload("menu.pdf", pdf()))
    graph.post(UPLOAD_URL, json={"id": "111"})
    ensure_cloud_media_id(asset=asset, phone_number=phone)
    graph.delete(f"{GRAPH}/111", status=400, json={"error": {"message": "Unsupported delete request", "code": 100,
                                                              "error_subcode": 33}})
    expired = store_upload(account=account, uploaded_file=upload("old.png", png(color=(1, 2, 3))))
    CloudMediaId.objects.create(asset=expired, phone_number=phone, media_id="999",
                                uploaded_at=timezone.now() - timedelta(days=40), expires_at=timezone.now() - timedelta(days=10))

    delete_asset(asset=asset)
    delete_asset(asset=expired)

    assert not MediaAsset.objects.exists()
    assert [call.request.method for call in graph.calls] == ["POST", "DELETE"]
