"""Media against the Cloud API simulator on loopback: every kind uploaded for a media id and sent;
an id past its 30 days re-uploaded after Meta refuses it; files simulated customers send fetched
with the token, checked and stored."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.graph import client_for
from cloudapi.errors import CloudApiError
from cloudapi.simulator import SimNumber, Simulator, SimulatorConfig, serve
from media_lib.models import MediaAsset
from media_lib.services import (
    delete_asset,
    download_inbound_media,
    ensure_cloud_media_id,
    is_unknown_media_error,
    refresh_cloud_media_id,
    register_inbound_media,
    store_upload,
)

from ..conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, WABA_ID
from ..media_samples import SAMPLES, png, upload

pytestmark = pytest.mark.django_db

CUSTOMER = "16505551234"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked_simulator(settings):
    """The simulator on loopback with a clock the test moves (media ids expire by it)."""
    clock = Clock()
    number = SimNumber(phone_number_id=PHONE_NUMBER_ID, display_phone_number="15550783881", waba_id=WABA_ID,
                       access_token=ACCESS_TOKEN, app_secret=APP_SECRET, verified_name="Acme")
    sim = Simulator(SimulatorConfig(numbers=[number], auto_dispatch=False, status_delays=(0.0, 0.0, 0.0), clock=clock))
    running = serve(sim)
    settings.GRAPH_API_BASE_URL = running.url
    yield sim, clock
    running.shutdown()
    sim.close()


def _customer_writes(sim) -> None:
    sim.inbound(phone_number_id=PHONE_NUMBER_ID, wa_id=CUSTOMER, name="Sheena", message={"type": "text", "text": {"body": "Hi"}})
    sim.take_webhooks()


@pytest.mark.parametrize("name", ["photo.png", "photo.jpg", "sticker.webp", "clip.mp4", "voice.ogg", "menu.pdf", "letter.docx"])
def test_each_kind_is_uploaded_for_a_media_id_and_sent(simulator, account, phone, name):
    build, mime_type, kind = SAMPLES[name]
    asset = store_upload(account=account, uploaded_file=upload(name, build()))
    _customer_writes(simulator)

    media_id = ensure_cloud_media_id(asset=asset, phone_number=phone)
    info = client_for(account).get_media(media_id=media_id, phone_number_id=PHONE_NUMBER_ID)
    sent = client_for(account).send_media(phone_number_id=PHONE_NUMBER_ID, to=CUSTOMER, kind=kind, media_id=media_id,
                                          filename=asset.original_name if kind == "document" else "")

    assert (info.sha256, info.mime_type, info.file_size) == (asset.sha256, mime_type, asset.size)
    assert sent.wamid
    assert simulator.sent_messages()[-1]["body"][kind]["id"] == media_id


def test_an_expired_id_is_re_uploaded_when_meta_refuses_it(clocked_simulator, account, phone):
    sim, clock = clocked_simulator
    asset = store_upload(account=account, uploaded_file=upload("menu.png", png()))
    old_id = ensure_cloud_media_id(asset=asset, phone_number=phone)
    client = client_for(account)

    # 31 days later (by Meta's clock), while our row still says the id is good (clock skew, lost state)
    clock.now += 31 * 24 * 3600
    _customer_writes(sim)
    with pytest.raises(CloudApiError) as refused:
        client.send_media(phone_number_id=PHONE_NUMBER_ID, to=CUSTOMER, kind="image", media_id=old_id)
    assert is_unknown_media_error(refused.value)

    new_id = refresh_cloud_media_id(asset=asset, phone_number=phone)
    sent = client.send_media(phone_number_id=PHONE_NUMBER_ID, to=CUSTOMER, kind="image", media_id=new_id)

    assert new_id != old_id and sent.wamid


def test_an_id_near_its_30_days_is_re_uploaded_before_the_send(clocked_simulator, account, phone):
    sim, clock = clocked_simulator
    asset = store_upload(account=account, uploaded_file=upload("menu.png", png()))
    start = timezone.now()
    old_id = ensure_cloud_media_id(asset=asset, phone_number=phone, now=start)

    clock.now += 29.5 * 24 * 3600
    new_id = ensure_cloud_media_id(asset=asset, phone_number=phone, now=start + timedelta(days=29.5))
    _customer_writes(sim)

    assert new_id != old_id
    assert client_for(account).send_media(phone_number_id=PHONE_NUMBER_ID, to=CUSTOMER, kind="image", media_id=new_id).wamid


def test_deleting_an_asset_deletes_it_in_the_simulator(simulator, account, phone, django_capture_on_commit_callbacks):
    asset = store_upload(account=account, uploaded_file=upload("menu.png", png()))
    media_id = ensure_cloud_media_id(asset=asset, phone_number=phone)

    with django_capture_on_commit_callbacks(execute=True):
        delete_asset(asset=asset)

    with pytest.raises(CloudApiError) as gone:
        client_for(account).get_media(media_id=media_id)
    assert (gone.value.code, gone.value.error_subcode) == (100, 33)


def _media_webhook(sim) -> tuple[str, dict]:
    [(body, _headers)] = sim.take_webhooks()
    message = json.loads(body)["entry"][0]["changes"][0]["value"]["messages"][0]
    return message["type"], message[message["type"]]


def _register(account, phone, kind: str, media: dict, *, download: bool = True) -> MediaAsset:
    return register_inbound_media(account=account, phone_number=phone, media_id=media["id"], mime_type=media["mime_type"],
                                  sha256=media["sha256"], filename=media.get("filename", ""), url=media.get("url", ""),
                                  kind=kind, download=download)


@pytest.mark.parametrize("kind", ["image", "video", "audio", "document", "sticker"])
@pytest.mark.parametrize("with_url", [True, False], ids=["webhook url", "info url"])
def test_a_file_a_customer_sends_is_fetched_with_the_token_and_stored(
    simulator, account, phone, django_capture_on_commit_callbacks, kind, with_url
):
    data = png() if kind == "image" else None
    simulator.customer_media(wa_id=CUSTOMER, kind=kind, data=data, mime_type="image/png" if data else None,
                             with_url=with_url)
    message_kind, media = _media_webhook(simulator)

    with django_capture_on_commit_callbacks(execute=True):  # the download task runs (eagerly) on commit
        asset = _register(account, phone, message_kind, media)

    asset.refresh_from_db()
    assert (asset.download_state, asset.kind, asset.last_error) == ("done", kind, "")
    assert asset.sha256 == client_for(account).get_media(media_id=media["id"]).sha256
    if kind == "image":
        with asset.file.open("rb") as stored:
            assert stored.read() == png()
        assert asset.thumbnail


def test_a_webhook_url_that_expired_is_replaced_by_a_fresh_one(clocked_simulator, account, phone):
    sim, clock = clocked_simulator
    sim.customer_media(wa_id=CUSTOMER, kind="document", filename="invoice.pdf")
    kind, media = _media_webhook(sim)
    asset = _register(account, phone, kind, media, download=False)

    clock.now += 6 * 60  # the webhook's link lived 5 minutes
    asset = download_inbound_media(asset_id=asset.pk, now=timezone.now() + timedelta(minutes=6))

    assert (asset.download_state, asset.original_name) == ("done", "invoice.pdf")
    assert asset.inbound_url != media["url"]


def test_a_file_meta_already_forgot_is_recorded_as_refused(clocked_simulator, account, phone):
    sim, clock = clocked_simulator
    sim.customer_media(wa_id=CUSTOMER, kind="image")
    kind, media = _media_webhook(sim)
    asset = _register(account, phone, kind, media, download=False)

    clock.now += 8 * 24 * 3600
    asset = download_inbound_media(asset_id=asset.pk, now=timezone.now() + timedelta(minutes=10))

    assert (asset.download_state, asset.download_refused) == ("failed", True)
    assert asset.last_error == "Meta no longer has this file (the media id expired or was deleted)."
