"""Media in the console: sent from the library or a new upload (a Meta media id is obtained just
before the send), by public link; a customer's file shown in the thread once media_lib has it."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from media_lib.models import CloudMediaId, MediaAsset
from media_lib.services import store_upload
from messaging.models import Conversation, Message
from messaging.services.compose import media_draft
from messaging.services.sending import send_draft

from ..conftest import PHONE_NUMBER_ID
from ..media_samples import SAMPLES, png, upload

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"


@pytest.fixture
def conv(phone, simulator, deliver_webhooks):
    simulator.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena Nelson",
                      message={"type": "text", "text": {"body": "Can I see it?"}})
    deliver_webhooks(simulator)
    return Conversation.objects.get()


@pytest.fixture
def send(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)

    def _send(conversation, data: dict):
        payload = {"kind": "media", "client_uuid": str(uuid.uuid4()), **data}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("messaging:conversation-send", args=[conversation.pk]), payload)

    return _send


def _sent(simulator) -> dict:
    return simulator.sent_messages()[-1]["body"]


def test_a_library_image_is_sent_by_its_meta_media_id(conv, send, simulator, account, read_thread):
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()))

    response = send(conv, {"media_asset": asset.pk, "caption": "The blue one"})

    assert response.status_code == 302
    media_id = CloudMediaId.objects.get(asset=asset).media_id
    body = _sent(simulator)
    assert (body["type"], body["image"]) == ("image", {"id": media_id, "caption": "The blue one"})
    message = Message.objects.get(direction="out")
    assert (message.media_asset, message.payload) == (asset, {"asset": asset.pk, "caption": "The blue one"})
    page = read_thread(conv)
    assert reverse("media_lib:thumbnail-serve", args=[asset.pk]) in page and "The blue one" in page


@pytest.mark.parametrize("name", ["menu.pdf", "clip.mp4", "voice.ogg", "sticker.webp"])
def test_each_kind_uploaded_in_the_composer_reaches_meta(conv, send, simulator, name):
    build, _, kind = SAMPLES[name]

    response = send(conv, {"upload": upload(name, build())})

    assert response.status_code == 302
    asset = MediaAsset.objects.get()
    assert (asset.kind, asset.original_name) == (kind, name)
    sent = _sent(simulator)[kind]
    assert sent["id"] == CloudMediaId.objects.get(asset=asset).media_id
    if kind == "document":
        assert sent["filename"] == "menu.pdf"


def test_a_public_link_is_sent_as_a_link(conv, send, simulator):
    response = send(conv, {"media_kind": "image", "link": "https://example.com/blue.jpg"})

    assert response.status_code == 302
    assert _sent(simulator)["image"] == {"link": "https://example.com/blue.jpg"}


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a file from the library, upload one, or give a public link."),
        ({"media_kind": "image", "link": "ftp://example.com/a.jpg"}, "public http(s) address"),
        ({"media_kind": "audio", "link": "https://example.com/a.ogg", "caption": "hi"}, "no caption on audio"),
        ({"media_kind": "video", "media_asset": "ASSET"}, "That file is a image, not a video"),
        ({"upload": "EMPTY"}, "file is empty"),
        ({"upload": "PNG", "media_kind": "document"}, "That file is a image, not a document."),
        ({"media_asset": "999999"}, "not in this account"),
    ],
)
def test_bad_media_is_refused_with_a_reason(conv, send, simulator, account, data, message):
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()))
    data = {k: ({"ASSET": asset.pk}.get(v, v)) for k, v in data.items()}
    if data.get("upload") == "EMPTY":
        data["upload"] = upload("empty.png", b"")
    elif data.get("upload") == "PNG":
        data["upload"] = upload("photo2.png", png(color=(1, 2, 3)))

    response = send(conv, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert simulator.sent_messages() == []


def test_a_file_deleted_before_delivery_fails_with_a_plain_reason(conv, account, read_thread, django_capture_on_commit_callbacks):
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()))
    draft = media_draft(conversation=conv, kind="image", asset=asset)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = send_draft(conversation=conv, draft=draft)
    MediaAsset.objects.filter(pk=asset.pk).delete()

    for callback in callbacks:
        callback()

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", None)
    page = read_thread(conv)
    assert "Switchboard could not prepare this message" in page
    assert "deleted from the media library" in page


def test_a_media_id_meta_forgot_is_uploaded_again_and_sent_once(conv, send, simulator, account, phone):
    asset = store_upload(account=account, uploaded_file=upload("photo.png", png()))
    # We believe in an id Meta does not know (deleted in WhatsApp Manager, say).
    CloudMediaId.objects.create(asset=asset, phone_number=phone, media_id="424242", uploaded_at=timezone.now(),
                                expires_at=timezone.now() + timedelta(days=20))

    response = send(conv, {"media_asset": asset.pk})

    assert response.status_code == 302
    fresh = CloudMediaId.objects.get(asset=asset).media_id
    assert fresh != "424242"
    assert [m["body"]["image"]["id"] for m in simulator.sent_messages()] == [fresh]
    message = Message.objects.get(direction="out")
    assert message.status == "accepted"
    # Both calls to Meta are on record: the refused id, then the send with the fresh one.
    refused, accepted = message.send_attempts.order_by("number")
    assert (refused.number, refused.outcome, accepted.number, accepted.outcome) == (1, "permanent", 2, "accepted")
    assert refused.error_code is not None and refused.fbtrace_id


def test_a_customer_image_shows_in_the_thread_once_downloaded(phone, simulator, deliver_webhooks, read_thread):
    simulator.customer_media(wa_id=CUSTOMER, kind="image", data=png(), mime_type="image/png", caption="Like this?")

    deliver_webhooks(simulator)

    message = Message.objects.get(type="image")
    assert message.media_asset is not None and message.media_asset.is_stored
    page = read_thread(message.conversation)
    assert reverse("media_lib:thumbnail-serve", args=[message.media_asset.pk]) in page
    assert "Like this?" in page


def test_a_customer_file_that_could_not_be_downloaded_says_so(phone, simulator, deliver_webhooks, read_thread):
    simulator.customer_media(wa_id=CUSTOMER, kind="document", data=b"%PDF-1.4 not really", mime_type="image/png",
                             filename="bill.pdf")

    deliver_webhooks(simulator)

    message = Message.objects.get(type="document")
    page = read_thread(message.conversation)
    assert message.media_asset.download_state == "failed"
    assert "[document] bill.pdf" in page and "Refused" in page
