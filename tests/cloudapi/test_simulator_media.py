"""The simulator's media endpoints: upload, info, download with the token, delete, expiry, and
the Resumable Upload API."""

from __future__ import annotations

import hashlib
from typing import Iterator

import pytest
import requests

from cloudapi.simulator import Simulator, serve

from .simulator_http import (
    APP_ID,
    PHONE_NUMBER_ID,
    TOKEN,
    Api,
    FakeClock,
    assert_error,
    assert_shape,
    fixture,
    make_sim,
    number,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10


def upload(api: Api, data: bytes = PNG, mime: str | None = "image/png", *, type_field: str | None = None,
           product: str | None = "whatsapp") -> requests.Response:
    form = {} if product is None else {"messaging_product": product}
    if type_field:
        form["type"] = type_field
    file = ("photo.png", data, mime) if mime else ("photo.png", data)
    return api.post(f"/{PHONE_NUMBER_ID}/media", data=form, files={"file": file})


def test_it_uploads_media_and_answers_info_shaped_like_metas(api: Api) -> None:
    media_id = upload(api).json()["id"]

    info = api.get(f"/{media_id}")

    assert info.status_code == 200
    body = info.json()
    assert_shape(body, fixture("media_url_response.json"))
    assert (body["id"], body["mime_type"], body["file_size"]) == (media_id, "image/png", len(PNG))
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert api.get(f"/{media_id}", params={"phone_number_id": PHONE_NUMBER_ID}).status_code == 200
    assert_error(api.get(f"/{media_id}", params={"phone_number_id": "999"}), 400, 100, subcode=33)


def test_it_takes_the_type_field_when_the_file_part_has_no_content_type(api: Api) -> None:
    response = upload(api, mime=None, type_field="image/jpeg")

    assert response.status_code == 200
    assert api.get(f"/{response.json()['id']}").json()["mime_type"] == "image/jpeg"


def test_it_serves_the_file_only_with_the_bearer_token(api: Api) -> None:
    media_id = upload(api).json()["id"]
    url = api.get(f"/{media_id}").json()["url"]

    with_token = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    without = requests.get(url, timeout=5)
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)
    tampered = requests.get(url.split("?")[0] + "?hash=forged", headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=5)

    assert (with_token.status_code, with_token.content) == (200, PNG)
    assert with_token.headers["Content-Type"] == "image/png"
    assert without.status_code == 401 and without.json()["error"]["code"] == 190
    assert wrong.status_code == 401
    assert tampered.status_code == 404


@pytest.mark.parametrize(
    ("data", "mime", "status", "code", "details"),
    [
        (b"GIF89a", "image/gif", 400, 131053, "Received file of type 'image/gif'"),
        (b"x" * (5 * 1024 * 1024 + 1), "image/jpeg", 400, 100, "at most 5242880 bytes"),
        (b"x" * (500 * 1024 + 1), "image/webp", 400, 100, "at most 512000 bytes"),
        (b"", "image/png", 400, 100, "must not be empty"),
    ],
)
def test_it_rejects_bad_types_with_131053_and_oversized_files_with_100(
    api: Api, data: bytes, mime: str, status: int, code: int, details: str
) -> None:
    assert_error(upload(api, data, mime), status, code, details=details)


def test_it_requires_messaging_product_and_a_file(api: Api) -> None:
    assert_error(upload(api, product=None), 400, 100, details="messaging_product")
    no_file = api.post(f"/{PHONE_NUMBER_ID}/media", data={"messaging_product": "whatsapp"},
                       files={"other": ("x.txt", b"x", "text/plain")})
    assert_error(no_file, 400, 100, details="file")


def test_it_deletes_media(api: Api) -> None:
    media_id = upload(api).json()["id"]

    deleted = api.delete(f"/{media_id}")

    assert (deleted.status_code, deleted.json()) == (200, {"success": True})
    assert_error(api.get(f"/{media_id}"), 400, 100, subcode=33)


@pytest.fixture
def clocked() -> Iterator[tuple[Simulator, Api, FakeClock]]:
    clock = FakeClock()
    simulator = make_sim(clock=clock)
    running = serve(simulator)
    yield simulator, Api(running.url), clock
    running.shutdown()
    simulator.close()


def test_it_expires_download_urls_after_5_minutes_and_media_after_30_days(
    clocked: tuple[Simulator, Api, FakeClock]
) -> None:
    simulator, api, clock = clocked
    simulator.add_template(name="photo_note", components=[
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::sample"]}},
        {"type": "BODY", "text": "Here is your photo."}])
    media_id = upload(api).json()["id"]
    url = api.get(f"/{media_id}").json()["url"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    template = {"messaging_product": "whatsapp", "to": "16505551234", "type": "template", "template": {
        "name": "photo_note", "language": {"code": "en_US"},
        "components": [{"type": "header", "parameters": [{"type": "image", "image": {"id": media_id}}]}]}}

    clock.advance(301)
    stale_url = requests.get(url, headers=auth, timeout=5)
    fresh_url = requests.get(api.get(f"/{media_id}").json()["url"], headers=auth, timeout=5)
    clock.advance(30 * 24 * 3600)

    assert stale_url.status_code == 404
    assert fresh_url.status_code == 200
    assert_error(api.get(f"/{media_id}"), 400, 100, subcode=33)
    assert_error(api.send(template), 400, 131053, details=media_id)


# -- Resumable Upload ---------------------------------------------------------------------------


def test_it_runs_a_resumable_upload_in_two_chunks_and_issues_a_handle(api: Api, sim: Simulator) -> None:
    data = b"\xff\xd8\xff" + b"jpeg" * 100
    session = api.post(f"/{APP_ID}/uploads", params={"file_name": "header.jpg", "file_length": len(data),
                                                    "file_type": "image/jpeg"})
    upload_id = session.json()["id"]
    oauth = {"Authorization": f"OAuth {TOKEN}"}

    first = api.post(f"/{upload_id}", data=data[:100], headers={**oauth, "file_offset": "0"})
    status = api.get(f"/{upload_id}")
    wrong_offset = api.post(f"/{upload_id}", data=data[100:], headers={**oauth, "file_offset": "0"})
    last = api.post(f"/{upload_id}", data=data[100:], headers={**oauth, "file_offset": "100"})

    assert session.status_code == 200 and upload_id.startswith("upload:")
    assert first.json() == {"id": upload_id, "file_offset": 100}
    assert status.json() == {"id": upload_id, "file_offset": 100}
    assert_error(wrong_offset, 400, 100, details="file_offset 0")
    handle = last.json()["h"]
    assert handle.startswith("4::")
    created = api.post(f"/{number().waba_id}/message_templates", json={
        "name": "with_image", "language": "en_US", "category": "MARKETING", "components": [
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": [handle]}},
            {"type": "BODY", "text": "Look at this."}]})
    assert created.status_code == 200, created.text


@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"file_length": 10, "file_type": "image/jpeg"}, "file_name"),
        ({"file_name": "a.jpg", "file_length": 0, "file_type": "image/jpeg"}, "file_length"),
        ({"file_name": "a.gif", "file_length": 10, "file_type": "image/gif"}, "file_type"),
    ],
)
def test_it_validates_resumable_upload_sessions(api: Api, params: dict[str, object], details: str) -> None:
    response = api.post(f"/{APP_ID}/uploads", params=params)

    error = assert_error(response, 400, response.json()["error"]["code"])
    assert error["code"] in (100, 131008)
    assert details in error["error_data"]["details"]


def test_it_answers_100_33_for_an_unknown_upload_session_or_app(api: Api) -> None:
    assert_error(api.get("/upload:nothing-here"), 400, 100, subcode=33)
    assert_error(api.post("/123/uploads", params={"file_name": "a"}), 400, 100, subcode=33)
