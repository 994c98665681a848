"""Media at the HTTP layer: upload, info, download with the bearer token, delete, resumable upload."""

import io

import pytest
import requests
from responses import matchers

from cloudapi.client import CloudApiClient, DownloadedMedia, MediaInfo
from cloudapi.errors import CloudApiError, ServerError

from ..conftest import fixture_bytes, load_fixture
from .conftest import multipart_fields

BASE = "https://graph.example"
PHONE = "106540352242922"
MEDIA = load_fixture("media_url_response.json")
MEDIA_URL = MEDIA["url"]
APP = "1234567890"
SESSION = "upload:MTphdHRhY2htZW50OjlkYWE1?sig=ARZqkGCA_uQMxC8nHKI"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("file", [PNG, io.BytesIO(PNG)], ids=["bytes", "file object"])
def test_it_uploads_media_as_the_multipart_form_meta_documents(client, graph, file):
    graph.post(f"{BASE}/v24.0/{PHONE}/media", json={"id": "1227829768162607"})

    media_id = client.upload_media(phone_number_id=PHONE, file=file, filename="menu.png", mime_type="image/png")

    assert media_id == "1227829768162607"
    request = graph.calls[0].request
    assert request.headers["Authorization"] == "Bearer secret-token"
    fields = multipart_fields(request)
    assert fields["messaging_product"][2] == b"whatsapp"
    assert fields["type"][2] == b"image/png"
    assert fields["file"] == ("menu.png", "image/png", PNG)


def test_it_reads_media_info_from_metas_answer(client, graph):
    graph.get(
        f"{BASE}/v24.0/{MEDIA['id']}",
        body=fixture_bytes("media_url_response.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"phone_number_id": PHONE})],
    )

    info = client.get_media(media_id=MEDIA["id"], phone_number_id=PHONE)

    assert info == MediaInfo(
        id="1227829768162607", url=MEDIA_URL, mime_type="image/png", sha256=MEDIA["sha256"], file_size=103632
    )


def test_it_asks_for_media_info_without_a_number_filter_by_default(client, graph):
    graph.get(f"{BASE}/v24.0/{MEDIA['id']}", json={"id": MEDIA["id"], "url": MEDIA_URL})

    info = client.get_media(media_id=MEDIA["id"])

    assert graph.calls[0].request.url == f"{BASE}/v24.0/{MEDIA['id']}"
    assert (info.mime_type, info.sha256, info.file_size) == (None, None, None)


def test_it_downloads_media_from_metas_url_with_the_same_bearer_token(client, graph):
    graph.get(MEDIA_URL, body=PNG, content_type="image/png")

    downloaded = client.download_media(url=MEDIA_URL)

    assert downloaded == DownloadedMedia(content=PNG, mime_type="image/png")
    request = graph.calls[0].request
    assert request.url == MEDIA_URL  # Meta's absolute URL, not under the Graph base
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert "\\x89PNG" not in repr(downloaded)


def test_it_refuses_a_download_whose_declared_size_is_too_large(client, graph):
    graph.get(
        MEDIA_URL,
        body=PNG,
        content_type="image/png",
        headers={"Content-Length": str(200 * 1024 * 1024)},
        auto_calculate_content_length=False,
    )

    with pytest.raises(CloudApiError) as caught:
        client.download_media(url=MEDIA_URL)

    assert caught.value.permanent
    assert "larger than" in caught.value.message


def test_it_stops_reading_a_download_that_grows_past_the_limit(client, graph):
    graph.get(MEDIA_URL, body=b"x" * 5000, content_type="video/mp4")

    with pytest.raises(CloudApiError, match="larger than the 4096-byte limit"):
        client.download_media(url=MEDIA_URL, max_bytes=4096)


def test_it_accepts_a_download_of_exactly_the_limit(client, graph):
    graph.get(MEDIA_URL, body=b"x" * 4096, content_type="audio/ogg; codecs=opus")

    downloaded = client.download_media(url=MEDIA_URL, max_bytes=4096)

    assert len(downloaded.content) == 4096
    assert downloaded.mime_type == "audio/ogg"


def test_it_reports_an_expired_media_url_as_a_permanent_404(client, graph):
    graph.get(MEDIA_URL, body="Not Found", status=404, content_type="text/plain")

    with pytest.raises(ServerError) as caught:
        client.download_media(url=MEDIA_URL)

    assert (caught.value.http_status, caught.value.retryable) == (404, False)


@pytest.mark.parametrize("failure", [requests.ReadTimeout("slow"), requests.ConnectionError("reset")])
def test_it_makes_a_broken_download_retryable(client, graph, failure):
    graph.get(MEDIA_URL, body=failure)

    with pytest.raises(ServerError) as caught:
        client.download_media(url=MEDIA_URL)

    assert caught.value.retryable


@pytest.mark.parametrize("url", ["http://lookaside.example/a", "file:///etc/passwd", "/relative/path"])
def test_it_never_sends_the_token_in_clear_to_a_foreign_host(client, graph, url):
    with pytest.raises(ValueError):
        client.download_media(url=url)

    assert not graph.calls


def test_it_downloads_over_http_from_the_simulator_it_already_talks_to(graph):
    local = CloudApiClient(access_token="secret-token", base_url="http://127.0.0.1:8765", version="v24.0")
    graph.get("http://127.0.0.1:8765/media/abc", body=b"ogg", content_type="audio/ogg")

    assert local.download_media(url="http://127.0.0.1:8765/media/abc").content == b"ogg"


def test_it_deletes_media_for_one_number(client, graph):
    graph.delete(
        f"{BASE}/v24.0/{MEDIA['id']}",
        json={"success": True},
        match=[matchers.query_param_matcher({"phone_number_id": PHONE})],
    )

    assert client.delete_media(media_id=MEDIA["id"], phone_number_id=PHONE) is True


def test_it_creates_a_resumable_upload_session(client, graph):
    graph.post(
        f"{BASE}/v24.0/{APP}/uploads",
        json={"id": SESSION},
        match=[
            matchers.query_param_matcher({"file_name": "header.jpg", "file_length": "2048", "file_type": "image/jpeg"})
        ],
    )

    session_id = client.create_upload_session(
        app_id=APP, file_name="header.jpg", file_length=2048, file_type="image/jpeg"
    )

    assert session_id == SESSION
    assert graph.calls[0].request.headers["Authorization"] == "Bearer secret-token"


def test_it_uploads_session_bytes_with_the_oauth_header_and_offset(client, graph):
    graph.post(f"{BASE}/v24.0/{SESSION}", json={"h": "4::aW1hZ2UvanBlZw==:ARb"})

    handle = client.upload_session_data(session_id=SESSION, data=b"jpeg-bytes", offset=512)

    assert handle == "4::aW1hZ2UvanBlZw==:ARb"
    request = graph.calls[0].request
    assert request.url == f"{BASE}/v24.0/{SESSION}"  # the ?sig= part reaches Meta intact
    assert request.headers["Authorization"] == "OAuth secret-token"
    assert request.headers["file_offset"] == "512"
    assert request.body == b"jpeg-bytes"


def test_it_reads_where_an_interrupted_upload_stopped(client, graph):
    graph.get(f"{BASE}/v24.0/{SESSION}", json={"id": SESSION, "file_offset": 1024})

    assert client.get_upload_session(session_id=SESSION) == 1024
    assert graph.calls[0].request.headers["Authorization"] == "OAuth secret-token"


def test_it_calls_an_upload_session_without_offset_malformed(client, graph):
    graph.get(f"{BASE}/v24.0/{SESSION}", json={"id": SESSION})

    with pytest.raises(ServerError):
        client.get_upload_session(session_id=SESSION)


def test_it_turns_a_small_file_into_a_handle_in_two_calls(client, graph):
    graph.post(f"{BASE}/v24.0/{APP}/uploads", json={"id": SESSION})
    graph.post(f"{BASE}/v24.0/{SESSION}", json={"h": "4::handle"})

    handle = client.upload_for_handle(app_id=APP, file_name="logo.png", data=PNG, file_type="image/png")

    assert handle == "4::handle"
    assert graph.calls[0].request.params["file_length"] == str(len(PNG))
    assert graph.calls[1].request.headers["file_offset"] == "0"


@pytest.mark.parametrize("session_id", ["1234", "upload:abc/../../me", ""])
def test_it_refuses_what_is_not_an_upload_session(client, graph, session_id):
    with pytest.raises(ValueError):
        client.upload_session_data(session_id=session_id, data=b"x")
