"""Media: upload, info, download, delete, and the Resumable Upload API (docs/cloudapi.md §4)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from .. import media_types
from ..config import SimNumber
from ..request import Reply, Request
from . import fields
from .context import Context, authenticate, new_id
from .errors import GraphError, Response, graph_error, invalid_parameter, missing_parameter, unsupported_request

# Meta answers every field of a media node without ``fields=``.
NODE = fields.Node("WhatsAppBusinessMedia",
                   fields=("messaging_product", "url", "mime_type", "sha256", "file_size", "id"),
                   default=("messaging_product", "url", "mime_type", "sha256", "file_size", "id"))


def store_media(ctx: Context, *, phone_number_id: str, data: bytes, mime_type: str, filename: str = "",
                ttl: float, origin: str) -> dict[str, Any]:
    """Keep a file and its metadata; returns the media document (sha256 as hex, like the info endpoint)."""
    media = {
        "id": new_id(), "phone_number_id": phone_number_id, "mime_type": mime_type,
        "sha256": hashlib.sha256(data).hexdigest(), "file_size": len(data), "filename": filename,
        "created": ctx.now, "expires": ctx.now + ttl, "origin": origin,
    }
    ctx.store.put("media", media["id"], media, owner=phone_number_id, created=ctx.now)
    ctx.store.put_blob(media["id"], data)
    return media


def upload_media(ctx: Context, request: Request, number: SimNumber) -> Response:
    """``POST /{phone-number-id}/media`` (multipart ``messaging_product``, ``file``, ``type``) → ``{"id"}``."""
    if request.form.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product is required and must be whatsapp.",
                                message="(#100) The parameter messaging_product is required.")
    upload = request.files.get("file")
    if upload is None:
        raise invalid_parameter("The parameter file is required.", message="(#100) The parameter file is required.")
    mime_type = request.form.get("type") or upload.content_type
    if not mime_type:
        raise missing_parameter("type")
    if media_types.kind_of(mime_type) is None:
        raise graph_error(400, 131053, "(#131053) Media upload error",
                          f"Param file must be a file with one of the following types: "
                          f"{', '.join(media_types.ALL_TYPES)}. Received file of type '{mime_type}'.")
    limit = media_types.max_size(mime_type)
    if not upload.data:
        raise invalid_parameter("Param file must not be empty")
    if len(upload.data) > limit:
        raise invalid_parameter(f"Param file is too large: {len(upload.data)} bytes; {mime_type} files may be "
                                f"at most {limit} bytes")
    media = store_media(ctx, phone_number_id=number.phone_number_id, data=upload.data, mime_type=mime_type,
                        filename=upload.filename, ttl=ctx.config.media_ttl, origin="upload")
    return 200, {"id": media["id"]}


def media_for(ctx: Context, request: Request, media: dict[str, Any], method: str) -> dict[str, Any]:
    """The media if the token's number owns it, it has not expired, and ``?phone_number_id`` matches."""
    wanted = request.query.get("phone_number_id")
    if (not ctx.owns_number(media["phone_number_id"]) or media["expires"] <= ctx.now
            or (wanted and wanted != media["phone_number_id"])):
        raise unsupported_request(method, media["id"])
    return media


def media_info(ctx: Context, request: Request, media: dict[str, Any]) -> Response:
    """``GET /{media-id}[?fields=…]`` → url (valid 5 minutes, needs the bearer token), mime_type, sha256,
    file_size, id."""
    media = media_for(ctx, request, media, "GET")
    requested = NODE.requested(request.query)
    document = {"messaging_product": "whatsapp", "mime_type": media["mime_type"], "sha256": media["sha256"],
                "file_size": media["file_size"], "id": media["id"]}
    if "url" in requested:  # each url is a new short-lived download link, so only make one when asked
        document["url"] = download_url(ctx, media)
    return 200, NODE.select(document, requested)


def download_url(ctx: Context, media: dict[str, Any]) -> str:
    """A fresh download link for ``media``, valid ``media_url_ttl`` seconds."""
    token = secrets.token_urlsafe(24)
    ctx.store.put("media_url", token, {"media_id": media["id"], "expires": ctx.now + ctx.config.media_url_ttl},
                  owner=media["id"], created=ctx.now)
    return f"{ctx.base_url}/_sim/media/{media['id']}?hash={token}"


def delete_media(ctx: Context, request: Request, media: dict[str, Any]) -> Response:
    """``DELETE /{media-id}`` → ``{"success": true}``."""
    media = media_for(ctx, request, media, "DELETE")
    ctx.store.delete("media", media["id"])
    return 200, {"success": True}


def download(ctx: Context, request: Request, media_id: str) -> Reply:
    """``GET {url}`` from the info endpoint: the bytes, with the same bearer token (401 without, 404 when stale)."""
    try:
        ctx.token = authenticate(ctx.numbers, request.headers, {}, ctx.config.tokens, ctx.now)
    except GraphError as error:
        return Reply(*error.response)
    link = ctx.store.get("media_url", request.query.get("hash", ""))
    media = ctx.store.get("media", media_id)
    if (media is None or link is None or link["media_id"] != media_id or link["expires"] <= ctx.now
            or media["expires"] <= ctx.now):
        return Reply(404, {"error": {"message": "Media download URL is unknown or has expired; get a fresh one "
                                     "from GET /{media-id}", "type": "OAuthException", "code": 100}})
    if not ctx.owns_number(media["phone_number_id"]):
        return Reply(*unsupported_request("GET", media_id).response)
    data = ctx.store.get_blob(media_id) or b""
    return Reply(200, data, content_type=media["mime_type"],
                 headers=(("Content-Disposition", f"attachment; filename={media['filename'] or media_id}"),))


# -- Resumable Upload ------------------------------------------------------------------------


def create_upload_session(ctx: Context, request: Request, app_id: str) -> Response:
    """``POST /{app-id}/uploads?file_name&file_length&file_type`` → ``{"id": "upload:…"}``."""
    params = request.params()
    file_name = params.get("file_name")
    if not file_name:
        raise missing_parameter("file_name")
    try:
        length = int(params.get("file_length", ""))
    except ValueError:
        raise invalid_parameter("file_length must be a positive integer") from None
    if length <= 0:
        raise invalid_parameter("file_length must be a positive integer")
    file_type = str(params.get("file_type", ""))
    if file_type not in media_types.RESUMABLE_TYPES:
        raise invalid_parameter(f"file_type must be one of {', '.join(sorted(media_types.RESUMABLE_TYPES))}")
    session_id = "upload:" + base64.urlsafe_b64encode(secrets.token_bytes(18)).decode()
    session = {"id": session_id, "file_name": file_name, "file_length": length, "file_type": file_type,
               "file_offset": 0}
    ctx.store.put("upload_session", session_id, session, owner=app_id, created=ctx.now)
    ctx.store.put_blob(session_id, b"")
    return 200, {"id": session_id}


def upload_chunk(ctx: Context, request: Request, session: dict[str, Any]) -> Response:
    """``POST /upload:…`` with ``file_offset`` and the bytes → ``{"h": handle}`` once the file is whole."""
    try:
        offset = int(request.header("file_offset") or 0)
    except ValueError:
        raise invalid_parameter("The file_offset header must be an integer") from None
    if offset != session["file_offset"]:
        raise invalid_parameter(f"file_offset {offset} does not match the {session['file_offset']} bytes "
                                "uploaded so far")
    data = (ctx.store.get_blob(session["id"]) or b"") + request.body
    if len(data) > session["file_length"]:
        raise invalid_parameter(f"More bytes than the announced file_length {session['file_length']}")
    session = {**session, "file_offset": len(data)}
    ctx.store.put("upload_session", session["id"], session)
    ctx.store.put_blob(session["id"], data)
    if len(data) < session["file_length"]:
        return 200, {"id": session["id"], "file_offset": len(data)}
    handle = "4::" + base64.b64encode(session["file_type"].encode()).decode() + ":" + secrets.token_urlsafe(32)
    ctx.store.put("upload_handle", handle, {"session": session["id"], "file_type": session["file_type"],
                                            "file_length": len(data)}, created=ctx.now)
    return 200, {"h": handle}


def upload_status(ctx: Context, request: Request, session: dict[str, Any]) -> Response:
    """``GET /upload:…`` → ``{"id", "file_offset"}`` (where to resume)."""
    return 200, {"id": session["id"], "file_offset": session["file_offset"]}
