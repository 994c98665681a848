"""Media through the client against a running simulator: upload → info → download (with the bearer token)
→ delete, the type and size rules, and the resumable upload (session → bytes → handle)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from cloudapi.client import CloudApiClient, DownloadedMedia, MediaInfo
from cloudapi.errors import AuthError, CloudApiError, ServerError

from .sim_env import (
    APP,
    OTHER_TOKEN,
    PHONE,
    PHONE2,
    TOKEN,
    WABA,
    SimEnv,
    assert_graph_error,
    unique,
    webhook_values,
)

pytestmark = pytest.mark.against_simulator

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 2000 + b"\xff\xd9"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


def test_it_uploads_reads_downloads_and_deletes_media(sim_env: SimEnv, client: CloudApiClient) -> None:
    media_id = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")

    info = client.get_media(media_id=media_id, phone_number_id=PHONE)
    downloaded = client.download_media(url=info.url)

    assert media_id.isdigit()
    assert isinstance(info, MediaInfo)
    assert info.id == media_id
    assert info.mime_type == "image/png"
    assert info.sha256 == hashlib.sha256(PNG).hexdigest()
    assert info.file_size == len(PNG)
    assert info.url.startswith(sim_env.url + "/")
    assert isinstance(downloaded, DownloadedMedia)
    assert downloaded.content == PNG and downloaded.mime_type == "image/png"
    assert PNG.hex() not in repr(downloaded)

    assert client.delete_media(media_id=media_id, phone_number_id=PHONE) is True
    for call in (lambda: client.get_media(media_id=media_id), lambda: client.delete_media(media_id=media_id)):
        with pytest.raises(CloudApiError) as caught:
            call()
        assert_graph_error(caught.value, code=100, subcode=33, http_status=400, retryable=False)


def test_it_uploads_from_a_file_object(client: CloudApiClient, tmp_path: Any) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(JPEG)

    with path.open("rb") as file:
        media_id = client.upload_media(phone_number_id=PHONE, file=file, filename="photo.jpg", mime_type="image/jpeg")

    assert client.get_media(media_id=media_id).file_size == len(JPEG)


def test_it_downloads_only_with_a_valid_bearer_token(sim_env: SimEnv, client: CloudApiClient) -> None:
    media_id = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")
    url = client.get_media(media_id=media_id).url

    with pytest.raises(AuthError) as bad_token:
        sim_env.client(token="wrong-token").download_media(url=url)
    with pytest.raises(CloudApiError) as other_business:
        sim_env.client(token=OTHER_TOKEN).download_media(url=url)
    no_token = requests.get(url, timeout=5)

    assert_graph_error(bad_token.value, code=190, http_status=401, retryable=False)
    assert_graph_error(other_business.value, code=100, subcode=33, http_status=400, retryable=False)
    assert no_token.status_code == 401
    assert client.download_media(url=url).content == PNG


def test_it_refuses_a_download_larger_than_max_bytes(client: CloudApiClient) -> None:
    media_id = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")
    url = client.get_media(media_id=media_id).url

    with pytest.raises(CloudApiError) as caught:
        client.download_media(url=url, max_bytes=100)

    assert caught.value.permanent
    assert "100-byte limit" in caught.value.message


def test_it_gets_a_404_for_an_expired_download_url_and_a_fresh_one_works(make_env: Any) -> None:
    clock = FakeClock()
    env = make_env(clock=clock)
    client = env.client()
    media_id = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")
    stale = client.get_media(media_id=media_id).url
    clock.now += 301

    with pytest.raises(CloudApiError) as caught:
        client.download_media(url=stale)

    assert caught.value.http_status == 404 and caught.value.permanent
    assert client.download_media(url=client.get_media(media_id=media_id).url).content == PNG


def test_it_refuses_media_of_another_number_when_asked_for_that_number(client: CloudApiClient) -> None:
    media_id = client.upload_media(phone_number_id=PHONE, file=PNG, filename="menu.png", mime_type="image/png")

    with pytest.raises(CloudApiError) as caught:
        client.get_media(media_id=media_id, phone_number_id=PHONE2)

    assert_graph_error(caught.value, code=100, subcode=33, http_status=400, retryable=False)
    assert client.get_media(media_id=media_id).id == media_id


@pytest.mark.parametrize(
    ("data", "mime_type", "code", "details"),
    [
        pytest.param(b"GIF89a", "image/gif", 131053, "Received file of type 'image/gif'", id="type not taken"),
        pytest.param(b"\x00" * (500 * 1024 + 1), "image/webp", 100, "too large", id="sticker over 500 KB"),
        pytest.param(b"", "image/png", 100, "must not be empty", id="empty"),
    ],
)
def test_it_gets_permanent_errors_for_media_types_and_sizes_meta_refuses(
    sim_env: SimEnv, client: CloudApiClient, data: bytes, mime_type: str, code: int, details: str
) -> None:
    with pytest.raises(CloudApiError) as caught:
        client.upload_media(phone_number_id=PHONE, file=data, filename="file", mime_type=mime_type)

    assert_graph_error(caught.value, code=code, http_status=400, retryable=False, details=details)


def test_it_uploads_for_a_handle_in_one_go(sim_env: SimEnv, client: CloudApiClient) -> None:
    handle = client.upload_for_handle(app_id=APP, file_name="header.jpg", data=JPEG, file_type="image/jpeg")

    assert handle.startswith("4::")
    # The handle is what template header examples take.
    created = client.create_template(waba_id=WABA, name=unique("with_image"), language="en_US", category="MARKETING",
                                     components=[{"type": "HEADER", "format": "IMAGE",
                                                  "example": {"header_handle": [handle]}},
                                                 {"type": "BODY", "text": "New arrivals are in."}])
    assert created.status == "PENDING"


def test_it_runs_a_resumable_upload_step_by_step_and_resumes_after_a_break(sim_env: SimEnv,
                                                                           client: CloudApiClient) -> None:
    session_id = client.create_upload_session(app_id=APP, file_name="intro.mp4", file_length=len(JPEG),
                                              file_type="video/mp4")
    assert session_id.startswith("upload:")
    assert client.get_upload_session(session_id=session_id) == 0

    # The connection breaks before the simulator takes the bytes: nothing is held, resume from 0.
    with pytest.raises(ServerError) as broken:
        sim_env.client(fault="reset").upload_session_data(session_id=session_id, data=JPEG)
    assert broken.value.retryable
    assert client.get_upload_session(session_id=session_id) == 0

    # Another upload broke off halfway (sent here by hand): resume from the offset Meta holds.
    half = len(JPEG) // 2
    response = requests.post(f"{sim_env.url}/v24.0/{session_id}", data=JPEG[:half],
                             headers={"Authorization": f"OAuth {TOKEN}", "file_offset": "0"}, timeout=5)
    assert response.status_code == 200
    offset = client.get_upload_session(session_id=session_id)
    assert offset == half

    handle = client.upload_session_data(session_id=session_id, data=JPEG[offset:], offset=offset)

    assert handle.startswith("4::")
    assert client.get_upload_session(session_id=session_id) == len(JPEG)


def test_it_gets_errors_for_bad_upload_sessions(client: CloudApiClient) -> None:
    with pytest.raises(CloudApiError) as bad_type:
        client.create_upload_session(app_id=APP, file_name="a.gif", file_length=10, file_type="image/gif")
    with pytest.raises(CloudApiError) as unknown:
        client.get_upload_session(session_id="upload:bm90LWEtc2Vzc2lvbg")
    session_id = client.create_upload_session(app_id=APP, file_name="a.pdf", file_length=4,
                                              file_type="application/pdf")
    with pytest.raises(CloudApiError) as wrong_offset:
        client.upload_session_data(session_id=session_id, data=b"%PDF", offset=2)

    assert_graph_error(bad_type.value, code=100, http_status=400, retryable=False, details="file_type must be")
    assert_graph_error(unknown.value, code=100, subcode=33, http_status=400, retryable=False)
    assert_graph_error(wrong_offset.value, code=100, http_status=400, retryable=False, details="file_offset 2")
    with pytest.raises(ValueError):
        client.get_upload_session(session_id="not-a-session")


def test_it_fetches_media_a_customer_sent_by_its_id_and_by_the_webhooks_url(sim_env: SimEnv,
                                                                            client: CloudApiClient) -> None:
    voice = b"OggS" + b"\x03" * 300
    sim_env.sim.customer_media(wa_id="16505551234", kind="audio", data=voice, voice=True, phone_number_id=PHONE)
    [value] = webhook_values(sim_env.sim, "messages")
    audio = value["messages"][0]["audio"]

    info = client.get_media(media_id=audio["id"], phone_number_id=PHONE)

    assert info.mime_type == "audio/ogg; codecs=opus" and info.file_size == len(voice)
    assert client.download_media(url=info.url) == DownloadedMedia(content=voice, mime_type="audio/ogg")
    assert client.download_media(url=audio["url"]).content == voice
