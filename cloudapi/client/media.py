"""Media (docs/cloudapi.md §4): upload, info, download with the bearer token, delete, resumable upload.

Resumable uploads give the *handles* that template header examples and profile pictures
need; plain uploads give the *media ids* that messages send.
"""

from __future__ import annotations

from typing import IO, Any

from ..errors import ServerError
from ._transport import DEFAULT_MAX_DOWNLOAD_BYTES, _Transport, segment
from .results import DownloadedMedia, MediaInfo, required_text, success


class MediaMixin(_Transport):
    """``/{phone-number-id}/media``, ``/{media-id}``, Meta's media URLs and ``/{app-id}/uploads``."""

    def upload_media(
        self, *, phone_number_id: str, file: bytes | IO[bytes], filename: str, mime_type: str
    ) -> str:
        """Upload a file for sending (kept by Meta 30 days); returns the media id."""
        data = self._request(
            "POST",
            f"/{segment(phone_number_id)}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, file, mime_type)},
        )
        return required_text(data, "id", what="media upload")

    def get_media(self, *, media_id: str, phone_number_id: str | None = None) -> MediaInfo:
        """A media id's download URL (valid 5 minutes), MIME type, sha256 and size.

        With ``phone_number_id`` Meta refuses media that belongs to another number.
        """
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        return MediaInfo.from_graph(self._request("GET", f"/{segment(media_id)}", params=params))

    def download_media(self, *, url: str, max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES) -> DownloadedMedia:
        """Fetch the bytes behind a ``get_media`` (or webhook) URL, sending our bearer token.

        Refuses (permanent ``CloudApiError``) a body above ``max_bytes``. A 404 means the URL
        expired: call ``get_media`` again for a fresh one.
        """
        answer = self._request("GET", url, absolute=True, raw=True, max_bytes=max_bytes)
        return DownloadedMedia(content=answer.content, mime_type=answer.content_type)

    def delete_media(self, *, media_id: str, phone_number_id: str | None = None) -> bool:
        """Delete uploaded media from Meta; True when Meta confirms."""
        params = {"phone_number_id": phone_number_id} if phone_number_id else None
        data = self._request("DELETE", f"/{segment(media_id)}", params=params)
        return success(data, what="media delete")

    def create_upload_session(self, *, app_id: str, file_name: str, file_length: int, file_type: str) -> str:
        """Start a resumable upload; returns the session id (``upload:…``)."""
        params = {"file_name": file_name, "file_length": file_length, "file_type": file_type}
        data = self._request("POST", f"/{segment(app_id)}/uploads", params=params)
        return required_text(data, "id", what="upload session")

    def upload_session_data(self, *, session_id: str, data: bytes, offset: int = 0) -> str:
        """Send the file's bytes from ``offset`` into a session; returns the file handle (``h``)."""
        answer = self._request(
            "POST",
            _session_path(session_id),
            data=data,
            headers={"file_offset": str(offset)},
            auth_scheme="OAuth",  # the Resumable Upload API wants OAuth, not Bearer
        )
        return required_text(answer, "h", what="upload")

    def get_upload_session(self, *, session_id: str) -> int:
        """How many bytes of an interrupted upload Meta holds: resume from this offset."""
        answer = self._request("GET", _session_path(session_id), auth_scheme="OAuth")
        offset = answer.get("file_offset")
        if isinstance(offset, str) and offset.isdigit():
            offset = int(offset)
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise ServerError(message="The upload session answer had no file_offset", retryable=False)
        return offset

    def upload_for_handle(self, *, app_id: str, file_name: str, data: bytes, file_type: str) -> str:
        """Upload a small file in one go through a resumable session; returns its handle
        (for template ``header_handle`` examples and ``profile_picture_handle``)."""
        session_id = self.create_upload_session(
            app_id=app_id, file_name=file_name, file_length=len(data), file_type=file_type
        )
        return self.upload_session_data(session_id=session_id, data=data)


def _session_path(session_id: Any) -> str:
    # Meta's session ids look like ``upload:MTph…?sig=ARZ…``: the ``?sig=`` part must reach
    # Meta as a query string, so the id is used as given, but only if it is a session id.
    text = str(session_id).strip()
    if not text.startswith("upload:") or "/" in text or "#" in text:
        raise ValueError("Not an upload session id (expected 'upload:…')")
    return f"/{text}"
