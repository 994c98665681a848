"""Files customers send (Meta faked at the HTTP layer): registered from the webhook's media object,
downloaded with the token within the URL's 5 minutes, checked against Meta's sha256 and type,
retried on their own schedule when the network fails, refused for good when they lie."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import requests
import responses
from celery.exceptions import Retry
from django.core.exceptions import ValidationError
from django.utils import timezone
from responses import matchers

from media_lib.models import MediaAsset
from media_lib.services import download_inbound_media, register_inbound_media, requeue_stale_downloads, retry_download
from media_lib.services.inbound import RETRY_DELAYS
from media_lib.tasks import download_inbound_media_task

from ..conftest import ACCESS_TOKEN, PHONE_NUMBER_ID, load_fixture
from ..media_samples import jpeg, pdf, png

pytestmark = pytest.mark.django_db

GRAPH = "http://graph.test/v24.0"
MEDIA_ID = "1227829768162607"
WEBHOOK_URL = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1227829768162607&source=webhook"
FRESH_URL = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1227829768162607&ext=1&hash=fresh"
PHOTO = png((400, 300))


def b64_sha(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


@pytest.fixture
def graph():
    with responses.RequestsMock() as mock:
        yield mock


def info(content: bytes = PHOTO, *, mime_type: str = "image/png", url: str = FRESH_URL, size: int | None = None) -> dict:
    """Meta's answer to GET /{media-id} (shape of media_url_response.json)."""
    answer = load_fixture("media_url_response.json")
    answer.update(id=MEDIA_ID, url=url, mime_type=mime_type, sha256=hashlib.sha256(content).hexdigest(),
                  file_size=len(content) if size is None else size)
    return answer


def register(phone, *, content: bytes = PHOTO, url: str = WEBHOOK_URL, kind: str = "image", mime_type: str = "image/png",
             sha256: str | None = None, filename: str = "") -> MediaAsset:
    return register_inbound_media(account=phone.account, phone_number=phone, media_id=MEDIA_ID, mime_type=mime_type,
                                  sha256=b64_sha(content) if sha256 is None else sha256, url=url, kind=kind,
                                  filename=filename, download=False)


@pytest.mark.parametrize(
    ("fixture", "kind", "mime_type"),
    [
        ("webhook_message_image.json", "image", "image/jpeg"),
        ("webhook_message_image_with_url.json", "image", "image/jpeg"),
        ("webhook_message_video.json", "video", "video/mp4"),
        ("webhook_message_audio_voice.json", "audio", "audio/ogg; codecs=opus"),
        ("webhook_message_document.json", "document", "application/pdf"),
        ("webhook_message_sticker.json", "sticker", "image/webp"),
    ],
)
def test_it_registers_each_kind_of_media_a_webhook_carries_once(phone, fixture, kind, mime_type):
    message = load_fixture(fixture)["entry"][0]["changes"][0]["value"]["messages"][0]
    media = message[message["type"]]

    def again():
        return register_inbound_media(
            account=phone.account, phone_number=phone, media_id=media["id"], mime_type=media["mime_type"],
            sha256=media["sha256"], filename=media.get("filename", ""), url=media.get("url", ""), kind=message["type"],
            download=False,
        )

    asset, same = again(), again()

    assert same.pk == asset.pk and MediaAsset.objects.count() == 1
    assert (asset.kind, asset.expected_mime_type, asset.download_state, asset.origin) == (kind, mime_type, "pending", "inbound")
    assert asset.inbound_url == media.get("url", "")
    assert asset.inbound_expires_at - asset.created_at < timedelta(days=7, seconds=1)
    if kind == "document":
        assert asset.original_name == "4_641947.pdf"


def test_it_ignores_a_webhook_url_outside_metas_media_hosts(phone):
    asset = register(phone, url="https://attacker.example/steal-token")

    assert asset.inbound_url == ""


def test_it_downloads_with_the_token_and_checks_the_sha256(graph, phone):
    asset = register(phone)
    graph.get(WEBHOOK_URL, body=PHOTO, content_type="image/png")

    asset = download_inbound_media(asset_id=asset.pk)

    assert (asset.download_state, asset.download_attempts, asset.last_error) == ("done", 1, "")
    assert asset.sha256 == hashlib.sha256(PHOTO).hexdigest() and asset.size == len(PHOTO)
    assert (asset.mime_type, asset.width, asset.height) == ("image/png", 400, 300)
    assert asset.thumbnail and asset.original_name == f"image-{MEDIA_ID}.png"
    with asset.file.open("rb") as stored:
        assert stored.read() == PHOTO
    assert graph.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_it_asks_meta_for_a_url_when_the_webhook_had_none(graph, phone):
    asset = register(phone, url="", sha256="")  # the old webhook shape: no url; Meta's info gives the sha256
    graph.get(f"{GRAPH}/{MEDIA_ID}", json=info(),
              match=[matchers.query_param_matcher({"phone_number_id": PHONE_NUMBER_ID})])
    graph.get(FRESH_URL, body=PHOTO, content_type="image/png")

    asset = download_inbound_media(asset_id=asset.pk)

    assert asset.download_state == "done"
    assert asset.expected_sha256 == hashlib.sha256(PHOTO).hexdigest()


def test_it_fetches_a_fresh_url_when_the_one_it_holds_is_stale(graph, phone):
    asset = register(phone)
    graph.get(f"{GRAPH}/{MEDIA_ID}", json=info())
    graph.get(FRESH_URL, body=PHOTO, content_type="image/png")

    asset = download_inbound_media(asset_id=asset.pk, now=timezone.now() + timedelta(minutes=5))

    assert asset.download_state == "done"
    assert [call.request.url for call in graph.calls] == [f"{GRAPH}/{MEDIA_ID}?phone_number_id={PHONE_NUMBER_ID}", FRESH_URL]


def test_a_url_that_died_early_is_replaced_once(graph, phone):
    asset = register(phone)
    graph.get(WEBHOOK_URL, status=404, json={"error": {"message": "URL expired", "code": 100}})
    graph.get(f"{GRAPH}/{MEDIA_ID}", json=info())
    graph.get(FRESH_URL, body=PHOTO, content_type="image/png")

    assert download_inbound_media(asset_id=asset.pk).download_state == "done"


def test_a_download_that_fails_twice_then_succeeds_ends_stored(graph, phone):
    asset = register(phone, url="")
    graph.get(f"{GRAPH}/{MEDIA_ID}", json=info())  # once: the URL stays good for 4 minutes
    graph.get(FRESH_URL, status=503, body="Service Unavailable")
    graph.get(FRESH_URL, body=requests.ReadTimeout("read timed out"))
    graph.get(FRESH_URL, body=PHOTO, content_type="image/png")
    start = timezone.now()

    first = download_inbound_media(asset_id=asset.pk, now=start)
    assert (first.download_state, first.download_refused) == ("failed", False)
    assert first.next_retry_at == start + timedelta(seconds=30)
    assert "HTTP 503" in first.last_error

    second = download_inbound_media(asset_id=asset.pk, now=start + timedelta(seconds=30))
    assert second.download_state == "failed"
    assert second.next_retry_at == start + timedelta(seconds=30) + timedelta(minutes=2)
    assert "Timed out" in second.last_error

    third = download_inbound_media(asset_id=asset.pk, now=start + timedelta(minutes=3))
    assert (third.download_state, third.download_attempts, third.last_error, third.next_retry_at) == ("done", 3, "", None)
    with third.file.open("rb") as stored:
        assert stored.read() == PHOTO


def test_the_task_run_by_the_worker_on_each_retry_ends_with_the_file_stored(
    graph, phone, django_capture_on_commit_callbacks
):
    graph.get(WEBHOOK_URL, status=503, body="Service Unavailable")
    graph.get(WEBHOOK_URL, body=requests.ConnectionError("connection reset"))
    graph.get(WEBHOOK_URL, body=PHOTO, content_type="image/png")

    with django_capture_on_commit_callbacks(execute=True):  # registering enqueues the first run (eager here)
        asset = register_inbound_media(account=phone.account, phone_number=phone, media_id=MEDIA_ID,
                                       mime_type="image/png", sha256=b64_sha(PHOTO), url=WEBHOOK_URL, kind="image")
    asset.refresh_from_db()
    assert (asset.download_state, asset.next_retry_at is not None) == ("failed", True)

    download_inbound_media_task.delay(asset.pk)  # the retries the worker runs at next_retry_at
    download_inbound_media_task.delay(asset.pk)

    asset.refresh_from_db()
    assert (asset.download_state, asset.download_attempts) == ("done", 3)


@pytest.fixture
def on_a_worker():
    """Run the task body as a worker would (not eager); its retries go to the in-memory broker."""
    from config import celery_app

    celery_app.conf.task_always_eager = False
    pushed = []

    def run(asset_id: int) -> None:
        download_inbound_media_task.push_request(id="test-task", args=[asset_id], kwargs={}, retries=0,
                                                 is_eager=False, called_directly=False)
        pushed.append(asset_id)
        download_inbound_media_task.run(asset_id)

    yield run
    for _ in pushed:
        download_inbound_media_task.pop_request()
    celery_app.conf.task_always_eager = True


def test_on_a_worker_a_passing_failure_comes_back_at_next_retry_at(graph, phone, on_a_worker):
    asset = register(phone)
    graph.get(WEBHOOK_URL, status=503, body="Service Unavailable")

    with pytest.raises(Retry) as retry:
        on_a_worker(asset.pk)

    asset.refresh_from_db()
    assert asset.download_state == "failed"
    assert 25 <= retry.value.when <= 30


def test_on_a_worker_a_refused_file_is_not_retried(graph, phone, on_a_worker):
    asset = register(phone, sha256=b64_sha(b"another file"))
    graph.get(WEBHOOK_URL, body=PHOTO, content_type="image/png")

    on_a_worker(asset.pk)  # no Retry raised

    asset.refresh_from_db()
    assert (asset.download_state, asset.download_refused) == ("failed", True)


@pytest.mark.parametrize(
    ("content", "declared", "sha_of", "reason"),
    [
        (PHOTO, "image/png", b"something else", "The file's sha256 does not match the one Meta announced"),
        (pdf(), "image/jpeg", None, "Meta announced image/jpeg, but the file is a PDF document"),
        (b"GIF89a" + b"\x00" * 30, "image/png", None, "Meta announced image/png, but the file is a GIF image"),
    ],
    ids=["sha256", "pdf posing as jpeg", "gif posing as png"],
)
def test_a_file_that_is_not_what_meta_announced_is_refused_for_good(graph, phone, content, declared, sha_of, reason):
    asset = register(phone, mime_type=declared, sha256=b64_sha(sha_of or content))
    graph.get(WEBHOOK_URL, body=content, content_type=declared)

    download_inbound_media_task.delay(asset.pk)  # eager: a refusal must not be retried

    asset.refresh_from_db()
    assert (asset.download_state, asset.download_refused, asset.next_retry_at) == ("failed", True, None)
    assert reason in asset.last_error
    assert not asset.file
    assert len(graph.calls) == 1


def test_a_file_over_metas_limit_is_not_even_downloaded(graph, phone):
    asset = register(phone, url="")
    graph.get(f"{GRAPH}/{MEDIA_ID}", json=info(size=5 * 1024 * 1024 + 1))

    asset = download_inbound_media(asset_id=asset.pk)

    assert (asset.download_state, asset.download_refused) == ("failed", True)
    assert asset.last_error == "The file is 5.0 MB; Meta's limit for image files is 5.0 MB. It was not downloaded."
    assert len(graph.calls) == 1


def test_a_body_bigger_than_the_limit_is_refused(graph, phone):
    asset = register(phone, kind="sticker", mime_type="image/webp")
    graph.get(WEBHOOK_URL, body=b"RIFF" + b"\x00" * (500 * 1024 + 10), content_type="image/webp")

    asset = download_inbound_media(asset_id=asset.pk)

    assert (asset.download_state, asset.download_refused) == ("failed", True)
    assert asset.last_error == "The file is larger than Meta's limit for sticker files (500 KB); it was not downloaded."


def test_a_media_id_meta_no_longer_knows_is_refused(graph, phone):
    asset = register(phone, url="")
    graph.get(f"{GRAPH}/{MEDIA_ID}", status=400, json={"error": {
        "message": "Unsupported get request. Object with ID '1227829768162607' does not exist", "code": 100,
        "error_subcode": 33}})

    asset = download_inbound_media(asset_id=asset.pk)

    assert (asset.download_state, asset.download_refused) == ("failed", True)
    assert asset.last_error == "Meta no longer has this file (the media id expired or was deleted)."


def test_a_bad_token_is_retried_and_says_who_must_act(graph, phone):
    asset = register(phone, url="")
    graph.get(f"{GRAPH}/{MEDIA_ID}", status=401, json={"error": {"message": "Invalid OAuth access token", "code": 190}})

    asset = download_inbound_media(asset_id=asset.pk)

    assert (asset.download_state, asset.download_refused) == ("failed", False)
    assert asset.next_retry_at is not None
    assert "an administrator must renew it" in asset.last_error


def test_it_gives_up_when_the_media_id_has_expired(phone):
    asset = register(phone)

    asset = download_inbound_media(asset_id=asset.pk, now=timezone.now() + timedelta(days=7, minutes=1))

    assert (asset.download_state, asset.download_refused) == ("failed", True)
    assert "7 days" in asset.last_error


def test_the_retry_schedule_fits_in_the_media_ids_seven_days(graph, phone):
    asset = register(phone, url="")
    graph.get(f"{GRAPH}/{MEDIA_ID}", status=500, json={"error": {"message": "oops", "code": 131000}})
    now = timezone.now()
    waits = []

    for _ in range(len(RETRY_DELAYS) + 2):
        asset = download_inbound_media(asset_id=asset.pk, now=now)
        if asset.next_retry_at is None:
            break
        waits.append(asset.next_retry_at - now)
        now = asset.next_retry_at

    assert waits[:4] == [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1)]
    assert now < asset.inbound_expires_at
    assert "Gave up after" in asset.last_error and asset.download_refused is False


def test_the_operators_retry_starts_over_and_downloads(graph, phone, django_capture_on_commit_callbacks):
    asset = register(phone)
    graph.get(WEBHOOK_URL, body=jpeg(), content_type="image/jpeg")  # first: not what was announced
    download_inbound_media(asset_id=asset.pk)
    graph.get(WEBHOOK_URL, body=PHOTO, content_type="image/png")  # Meta's file is right this time

    with django_capture_on_commit_callbacks(execute=True):
        retry_download(asset_id=asset.pk)

    asset.refresh_from_db()
    assert (asset.download_state, asset.download_attempts, asset.download_refused) == ("done", 1, False)


def test_retrying_a_file_meta_no_longer_keeps_is_refused(phone):
    asset = register(phone)
    MediaAsset.objects.filter(pk=asset.pk).update(download_state="failed", inbound_expires_at=timezone.now())

    with pytest.raises(ValidationError, match="ask the customer to send it again"):
        retry_download(asset_id=asset.pk)


def test_lost_download_tasks_are_picked_up_again(graph, phone):
    asset = register(phone)
    assert requeue_stale_downloads() == 0  # just registered: its task is on its way
    MediaAsset.objects.filter(pk=asset.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    graph.get(WEBHOOK_URL, body=PHOTO, content_type="image/png")

    assert requeue_stale_downloads() == 1

    asset.refresh_from_db()
    assert asset.download_state == "done"
