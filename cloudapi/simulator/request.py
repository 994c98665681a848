"""One HTTP request and one answer, independent of WSGI: what the endpoint functions see and return."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any, Mapping
from urllib.parse import parse_qs

NOT_JSON = object()


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart body; ``content_type`` is None when the part named none."""

    filename: str
    content_type: str | None
    data: bytes


@dataclass
class Request:
    """A parsed request. Header names are lower-cased with ``-`` (``file_offset`` → ``file-offset``);
    ``query`` keeps the last value of each key."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    base_url: str = "http://127.0.0.1"
    json: Any = NOT_JSON
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    @classmethod
    def build(
        cls, method: str, path: str, headers: Mapping[str, str], body: bytes, query: Mapping[str, Any],
        *, default_base: str = "http://127.0.0.1",
    ) -> Request:
        """Parse ``body`` by its content type (JSON, form or multipart) and normalise the rest."""
        lowered = {_header_name(name): value for name, value in headers.items()}
        host = lowered.get("host")
        request = cls(
            method=method.upper(),
            path=path or "/",
            headers=lowered,
            query={key: _last(value) for key, value in query.items()},
            body=body,
            base_url=f"http://{host}" if host else default_base,
        )
        content_type = lowered.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            request.form, request.files = parse_multipart(body, content_type)
        elif content_type.startswith("application/x-www-form-urlencoded"):
            request.form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        else:
            request.json = parse_json(body)
        return request

    @property
    def segments(self) -> list[str]:
        """The path's non-empty segments."""
        return [segment for segment in self.path.split("/") if segment]

    def header(self, name: str) -> str | None:
        """A header's value, by case-insensitive name (``_`` and ``-`` alike, as CGI/WSGI mix them up)."""
        return self.headers.get(_header_name(name))

    def params(self) -> dict[str, Any]:
        """Graph parameters: query string, then form fields, then a JSON object body (later wins)."""
        merged: dict[str, Any] = dict(self.query)
        merged.update(self.form)
        if isinstance(self.json, dict):
            merged.update(self.json)
        merged.pop("access_token", None)
        return merged

    def loggable_body(self) -> Any:
        """What the request log keeps of the body: JSON as is, form fields, files only by name/type/size."""
        if self.files or self.form:
            logged: dict[str, Any] = dict(self.form)
            for name, upload in self.files.items():
                logged[name] = {"filename": upload.filename, "content_type": upload.content_type,
                                "size": len(upload.data)}
            return logged
        if self.json is NOT_JSON:
            return None if not self.body else {"bytes": len(self.body)}
        return self.json


@dataclass
class Reply:
    """An answer: a JSON object, or raw bytes/text with their content type."""

    status: int
    body: Any
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def payload(self) -> Any:
        """What ``Simulator.handle`` returns as the second item: the JSON object, or the raw body."""
        return self.body

    def encode(self) -> bytes:
        """The body as bytes."""
        if self.content_type == "application/json":
            return json.dumps(self.body).encode()
        if isinstance(self.body, str):
            return self.body.encode()
        return bytes(self.body)


def as_reply(result: Reply | tuple[int, Any]) -> Reply:
    """Endpoint functions return a ``Reply`` or a (status, JSON object) pair; make it a ``Reply``."""
    if isinstance(result, Reply):
        return result
    status, body = result
    return Reply(status, body)


def parse_json(body: bytes) -> Any:
    """The decoded JSON body, or ``NOT_JSON`` when it is empty or not JSON."""
    if not body:
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Fields and files of a ``multipart/form-data`` body (stdlib email parser; no cgi)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    form: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            form[str(name)] = data.decode("utf-8", "replace")
            continue
        declared = part.get_content_type() if part.get("Content-Type") else None
        files[str(name)] = UploadedFile(filename=filename, content_type=declared, data=data)
    return form, files


def _header_name(name: str) -> str:
    return name.lower().replace("_", "-")


def _last(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else ""
    return str(value)


def json_param(value: Any) -> Any:
    """A Graph parameter that may arrive JSON-encoded in a form or query (``categories=["OTHER"]``)."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
