"""The one road to the Graph API: session, URL, auth header, answer → dict or error.

Every client method goes through ``_Transport._request``. No retries here (tasks own them).
Nothing logs a token or a message body: log lines carry the method, the path shape and
Meta's error code only.
"""

from __future__ import annotations

import json as _json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ..errors import CloudApiError, ServerError

logger = logging.getLogger("cloudapi.client")

# Inbound media above 100 MB never reaches us (webhook error 131052), so nothing larger is real.
DEFAULT_MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
# An error body is a few hundred bytes of JSON; never read a whole file to explain a failure.
_MAX_ERROR_BODY_BYTES = 64 * 1024
_CHUNK_BYTES = 64 * 1024
# Paging ends when Meta stops sending ``paging.next``; this only stops a server that never does.
_MAX_PAGES = 1000


@dataclass(frozen=True)
class RawAnswer:
    """A binary answer (media download): the bytes and Meta's ``Content-Type``."""

    content: bytes
    content_type: str


class _Transport:
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
        self._version = version.strip("/")
        self._base = f"{base_url.rstrip('/')}/{self._version}"
        self._timeout = timeout
        self._session = session or _shared_session()

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}(base={self._base!r})"

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        files: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth_scheme: str = "Bearer",
        absolute: bool = False,
        raw: bool = False,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
        token: str | None = None,
    ) -> Any:
        """One Graph call. Returns the JSON object, or a ``RawAnswer`` when ``raw``.

        ``path`` is relative to the versioned base, or a full URL when ``absolute`` (media
        downloads: Meta's URL, same token). ``auth_scheme`` is ``OAuth`` for resumable uploads.
        ``token`` replaces the client's token for this call (the app token of ``debug_token``).
        """
        url = self._absolute_url(path) if absolute else self._base + path
        shape = "<media url>" if absolute else _path_shape(path)
        all_headers = {**(headers or {}), "Authorization": f"{auth_scheme} {token or self._token}"}
        response = self._send(
            method, url, params=params, json=json, data=data, files=files, headers=all_headers, stream=raw
        )
        with response:
            if not response.ok:
                raise self._error(method, shape, response)
            if raw:
                return _read_raw(response, max_bytes=max_bytes)
            return _read_json(response, method=method, shape=shape)

    def _paginate(self, path: str, *, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paged Graph list, page after page (``after`` cursor)."""
        params = {key: value for key, value in params.items() if value is not None}
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            page = self._request("GET", path, params=params)
            items = page.get("data")
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise ServerError(message="A Graph list answer had no data array", retryable=False)
            yield from items
            after = _next_cursor(page)
            if after is None or after in seen:
                return
            seen.add(after)
            params["after"] = after
        raise ServerError(message="A Graph list did not stop paging", retryable=False)

    def _absolute_url(self, url: str) -> str:
        # The bearer token travels with this request, so it goes only over TLS, or in clear to
        # the host we already talk to (the simulator on loopback).
        parts = urlsplit(url)
        base = urlsplit(self._base)
        if parts.scheme == "https" and parts.netloc:
            return url
        if parts.scheme == "http" and base.scheme == "http" and parts.netloc == base.netloc:
            return url
        raise ValueError("Media URLs must be https:// (or the Graph base's own host)")

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            proxies, verify = _environment_for(_origin(url))
            return self._session.request(method, url, timeout=self._timeout, proxies=proxies, verify=verify, **kwargs)
        except requests.ConnectTimeout:
            raise ServerError(message="Timed out connecting to the Graph API", retryable=True) from None
        except requests.Timeout as exc:
            message = f"Timed out waiting for the Graph API ({type(exc).__name__})"
            raise ServerError(message=message, retryable=True, outcome_unknown=True) from None
        except requests.RequestException as exc:
            raise ServerError(
                message=f"Could not reach the Graph API ({type(exc).__name__})",
                retryable=True,
                outcome_unknown=not _never_connected(exc),
            ) from None

    def _error(self, method: str, shape: str, response: requests.Response) -> CloudApiError:
        try:
            body = _read_limited(response, limit=_MAX_ERROR_BODY_BYTES)
        except ServerError as exc:
            body = b""
            logger.warning("Graph %s %s: unreadable error body (%s)", method, shape, exc.message)
        error = CloudApiError.from_envelope(_json_or_none(body), http_status=response.status_code)
        logger.warning("Graph %s %s failed: HTTP %s code=%s", method, shape, response.status_code, error.code)
        return error


def version_at_least(version: str, major: int) -> bool:
    """Whether Graph ``vNN.N`` is ``major`` or later (an unparseable version counts as current)."""
    head = version.lstrip("v").split(".", 1)[0]
    return not head.isdigit() or int(head) >= major


def _never_connected(exc: requests.RequestException) -> bool:
    """Refused or unresolvable: the request surely did not reach the server."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError) or isinstance(
        exc, requests.exceptions.InvalidURL
    )


def _read_json(response: requests.Response, *, method: str, shape: str) -> dict[str, Any]:
    try:
        data = response.json()
    except (ValueError, requests.RequestException):
        data = None
    if isinstance(data, dict):
        return data
    error = CloudApiError.from_envelope(data, http_status=response.status_code)
    logger.warning("Graph %s %s: HTTP %s but no JSON object", method, shape, response.status_code)
    raise error


def _read_raw(response: requests.Response, *, max_bytes: int) -> RawAnswer:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes, response.status_code)
    content = _read_limited(response, limit=max_bytes)
    if len(content) > max_bytes:
        raise _too_large(max_bytes, response.status_code)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    return RawAnswer(content=content, content_type=content_type)


def _read_limited(response: requests.Response, *, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the body: one more than allowed is enough to refuse it."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                break
    except requests.RequestException as exc:
        raise ServerError(message=f"The Graph API answer broke off ({type(exc).__name__})", retryable=True) from None
    return b"".join(chunks)[: limit + 1]


def _too_large(max_bytes: int, http_status: int) -> CloudApiError:
    return CloudApiError(
        message=f"The media is larger than the {max_bytes}-byte limit; not downloaded",
        http_status=http_status,
        retryable=False,
    )


def _json_or_none(body: bytes) -> Any:
    try:
        return _json.loads(body)
    except ValueError:
        return None


def _next_cursor(page: dict[str, Any]) -> str | None:
    """The ``after`` cursor of the next page, or None on the last page (no ``paging.next``)."""
    paging = page.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if not after and isinstance(paging["next"], str):
        # Only the cursor is taken from ``next``: its URL may name another host or carry a token.
        after = (parse_qs(urlsplit(paging["next"]).query).get("after") or [None])[0]
    return str(after) if after else None


def segment(value: Any) -> str:
    """One path segment from an id: Graph ids are digits, but nothing may slip in a ``/`` or ``?``."""
    text = str(value).strip()
    if not text:
        raise ValueError("A Graph object id is required")
    return quote(text, safe="")


_SESSION: requests.Session | None = None


def _shared_session() -> requests.Session:
    """One pooled session per process: connections to graph.facebook.com are reused. It reads the
    environment once per host (``_environment_for``), not on every call."""
    global _SESSION
    if _SESSION is None:
        session = requests.Session()
        session.trust_env = False
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=32)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        _SESSION = session
    return _SESSION


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=64)
def _environment_for(origin: str) -> tuple[dict, bool | str]:
    """The proxies (``HTTPS_PROXY``, ``NO_PROXY`` …) and CA bundle (``REQUESTS_CA_BUNDLE``) the
    environment names for ``origin``, as requests would read them, once per process: requests
    scans the whole environment on every call otherwise — a fifth of a send's time."""
    proxies = requests.utils.get_environ_proxies(origin)
    verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return proxies, verify


def _path_shape(path: str) -> str:
    """``/123/messages`` → ``/{id}/messages``: ids are not secret, but shapes group better."""
    path = path.split("?", 1)[0]
    parts = []
    for part in path.split("/"):
        if part.isdigit():
            part = "{id}"
        elif part.startswith("upload:") or part.startswith("upload%3A"):
            part = "{upload-session}"
        parts.append(part)
    return "/".join(parts)
