"""The Graph API client: one method per call, all through ``_request``.

No retries here (tasks own them) and no imports of our models. Nothing logs a token or a
message body: log lines carry the method, the path template and Meta's error code only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import CloudApiError, ServerError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """Meta accepted the message (accepted, not delivered)."""

    wamid: str
    wa_id: str
    input: str
    message_status: str = ""


class CloudApiClient:
    """Talks to ``{base_url}/{version}/…`` with one access token."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str,
        version: str,
        timeout: tuple[float, float] = (5.0, 20.0),
        session: requests.Session | None = None,
    ) -> None:
        self._token = access_token
        self._base = f"{base_url.rstrip('/')}/{version.strip('/')}"
        self._timeout = timeout
        self._session = session or _shared_session()

    def __repr__(self) -> str:  # never show the token
        return f"CloudApiClient(base={self._base!r})"

    def send_message(self, *, phone_number_id: str, payload: dict[str, Any]) -> SendResult:
        """Send one message (``payload`` without ``messaging_product``); returns Meta's wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        data = self._request("POST", f"/{phone_number_id}/messages", json=body)
        try:
            contact = (data.get("contacts") or [{}])[0]
            message = data["messages"][0]
            return SendResult(
                wamid=str(message["id"]),
                wa_id=str(contact.get("wa_id", "")),
                input=str(contact.get("input", "")),
                message_status=str(message.get("message_status", "")),
            )
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ServerError(message="The send answer had no message id", retryable=False) from exc

    def send_text(
        self,
        *,
        phone_number_id: str,
        to: str,
        body: str,
        preview_url: bool = False,
        reply_to: str = "",
        callback_data: str = "",
    ) -> SendResult:
        """Send a text message; ``callback_data`` comes back in status webhooks."""
        payload: dict[str, Any] = {"to": to, "type": "text", "text": {"body": body, "preview_url": preview_url}}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        if callback_data:
            payload["biz_opaque_callback_data"] = callback_data
        return self.send_message(phone_number_id=phone_number_id, payload=payload)

    def mark_read(self, *, phone_number_id: str, wamid: str, typing: bool = False) -> bool:
        """Mark an inbound message read (and show "typing…" when ``typing``)."""
        body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
        if typing:
            body["typing_indicator"] = {"type": "text"}
        data = self._request("POST", f"/{phone_number_id}/messages", json=body)
        return bool(data.get("success"))

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = self._base + path
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = self._session.request(method, url, headers=headers, timeout=self._timeout, **kwargs)
        except requests.Timeout as exc:
            raise ServerError(message=f"Timed out talking to the Graph API ({type(exc).__name__})", retryable=True) from None
        except requests.RequestException as exc:
            raise ServerError(message=f"Could not reach the Graph API ({type(exc).__name__})", retryable=True) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.ok and isinstance(data, dict):
            return data
        error = CloudApiError.from_envelope(data, http_status=response.status_code)
        logger.warning("Graph %s %s failed: HTTP %s code=%s", method, _path_shape(path), response.status_code, error.code)
        raise error


_SESSION: requests.Session | None = None


def _shared_session() -> requests.Session:
    """One pooled session per process: connections to graph.facebook.com are reused."""
    global _SESSION
    if _SESSION is None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _SESSION = session
    return _SESSION


def _path_shape(path: str) -> str:
    """``/123/messages`` → ``/{id}/messages``: ids are not secret, but shapes group better."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))
