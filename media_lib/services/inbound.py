"""Files customers send: registered when the webhook is processed, fetched at once, never lost.

Meta's download URL lives 5 minutes and the media id 7 days. ``download_inbound_media`` fetches
a fresh URL when the one we hold is older than ``URL_MAX_AGE``, downloads with the bearer token
within Meta's size limit for the kind, checks the sha256 and the type Meta announced, and
stores the file. Network trouble and 5xx leave it ``failed`` with ``next_retry_at`` (the task
follows that schedule); a file that breaks the limits or its declared type is refused for good.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import BusinessAccount, PhoneNumber
from cloudapi.client import CloudApiClient, DownloadedMedia
from cloudapi.errors import AuthError, CloudApiError

from .. import kinds
from ..models import INBOUND_MEDIA_ID_LIFETIME, MediaAsset
from ..sniffing import sniff
from ..validation import safe_name
from . import storage

logger = logging.getLogger("media_lib.inbound")

URL_MAX_AGE = timedelta(minutes=4)  # Meta's URLs live 5 minutes
# A worker that dies mid-download leaves "downloading"; after this another may take over.
DOWNLOAD_LEASE = timedelta(minutes=10)
# Waits after the 1st, 2nd … failed attempt: about 7 days in all, the life of an inbound media id.
RETRY_DELAYS = (
    timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=3),
    timedelta(hours=6), timedelta(hours=12), timedelta(hours=24), timedelta(hours=24), timedelta(hours=24),
    timedelta(hours=24), timedelta(hours=24), timedelta(hours=24),
)
# Where a webhook's URL may point: we send our token there. Info answers come from the Graph API itself.
_META_MEDIA_HOSTS = (".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net")
# Types that are one file format under two names (an MP4 holding only sound is still an MP4).
_SAME_FORMAT = [{"audio/mp4", "video/mp4"}, {"video/3gpp", "audio/3gpp"}]

State = MediaAsset.DownloadState


class _Refused(Exception):
    """The file breaks Meta's limits or its declared type: record, never retry."""


def register_inbound_media(
    *,
    account: BusinessAccount,
    phone_number: PhoneNumber,
    media_id: str,
    mime_type: str,
    sha256: str,
    filename: str = "",
    url: str = "",
    kind: str = "",
    download: bool = True,
) -> MediaAsset:
    """The asset for a media id a customer sent (from the ``messages`` webhook); idempotent by media id.

    ``kind`` is the message type (``image``, ``sticker`` …); without it the MIME type decides.
    A new asset starts ``pending`` and, when ``download``, its download task is enqueued once the
    transaction commits. Calling again with the same media id returns the same asset untouched.
    """
    request = InboundMedia(account=account, phone_number=phone_number, media_id=media_id, mime_type=mime_type,
                           sha256=sha256, filename=filename, url=url, kind=kind)
    return register_inbound_media_batch([request], download=download)[0]


@dataclass(frozen=True)
class InboundMedia:
    """One file a customer sent, as the ``messages`` webhook names it."""

    account: BusinessAccount
    phone_number: PhoneNumber
    media_id: str
    mime_type: str
    sha256: str
    filename: str = ""
    url: str = ""
    kind: str = ""


def register_inbound_media_batch(requests: list[InboundMedia], *, download: bool = True) -> list[MediaAsset]:
    """``register_inbound_media`` for many files at once (the webhook drain's batch): one query
    for those known already, one INSERT for the new ones, and their downloads queued together
    once the transaction commits. Returns the assets in the order asked."""
    keys = []
    for request in requests:
        media_id = str(request.media_id or "").strip()
        if not media_id:
            raise ValueError("An inbound media id is required")
        keys.append((request.account.pk, media_id))
    found = _inbound_assets(keys)
    now = timezone.now()
    new: dict[tuple[int, str], MediaAsset] = {}
    for request, key in zip(requests, keys):
        if key in found or key in new:
            continue
        kind = request.kind if request.kind in kinds.KINDS else (kinds.kind_for_mime(request.mime_type) or kinds.DOCUMENT)
        url = request.url if request.url and _trusted_url(request.url) else ""
        new[key] = MediaAsset(
            account=request.account,
            phone_number=request.phone_number,
            origin=MediaAsset.Origin.INBOUND,
            kind=kind,
            original_name=safe_name(request.filename)[:255] if request.filename else "",
            inbound_media_id=key[1],
            inbound_url=url,
            inbound_url_fetched_at=now if url else None,
            expected_sha256=str(request.sha256 or "")[:128],
            expected_mime_type=str(request.mime_type or "")[:127],
            inbound_expires_at=now + INBOUND_MEDIA_ID_LIFETIME,
            download_state=State.PENDING,
        )
    if new:
        # Another worker may register the same media id meanwhile: its row is the asset then.
        MediaAsset.objects.bulk_create(list(new.values()), ignore_conflicts=True)
        found |= _inbound_assets(list(new))
        if download:
            _enqueue_on_commit([found[key].pk for key in new])
    return [found[key] for key in keys]


def _inbound_assets(keys: list[tuple[int, str]]) -> dict[tuple[int, str], MediaAsset]:
    by_account: dict[int, set[str]] = {}
    for account_id, media_id in keys:
        by_account.setdefault(account_id, set()).add(media_id)
    which = Q()
    for account_id, media_ids in by_account.items():
        which |= Q(account_id=account_id, inbound_media_id__in=media_ids)
    inbound = MediaAsset.objects.filter(which, origin=MediaAsset.Origin.INBOUND)
    return {(asset.account_id, asset.inbound_media_id): asset for asset in inbound}


def download_inbound_media(*, asset_id: int, now: datetime | None = None) -> MediaAsset:
    """Fetch, check and store an inbound file; returns the asset in its new state.

    ``done``: stored. ``failed`` with ``next_retry_at``: try again then (network, 5xx, token).
    ``failed`` with ``download_refused``: over Meta's limit, sha256 or type mismatch, media id
    gone — recorded with the reason, never retried. A stored asset, or one another worker is
    downloading right now, is returned as it is.
    """
    now = now or timezone.now()
    asset = MediaAsset.objects.select_related("account", "phone_number").get(pk=asset_id)
    if not asset.is_inbound or asset.download_state == State.DONE:
        return asset
    if asset.inbound_expires_at and asset.inbound_expires_at <= now:
        return _fail(asset, "Meta no longer keeps this file (media ids of received files live 7 days).",
                     permanent=True, now=now)
    if not _claim(asset, now):
        return asset
    asset.refresh_from_db()
    try:
        downloaded = _fetch(asset, now)
        mime_type, sha256 = _verify(asset, downloaded)
    except _Refused as refused:
        return _fail(asset, str(refused), permanent=True, now=now)
    except CloudApiError as error:
        return _fail(asset, _explain(asset, error), permanent=_is_permanent(error), now=now)
    try:
        return _store(asset, downloaded.content, mime_type=mime_type, sha256=sha256, now=now)
    except OSError as error:  # storage trouble (disk full, S3 down): ours, so try again later
        logger.exception("Storing inbound media asset %s failed", asset.pk)
        return _fail(asset, f"Storing the file failed ({type(error).__name__}).", permanent=False, now=now)


def retry_download(*, asset_id: int) -> MediaAsset:
    """The operator's "retry": start the download schedule over and enqueue it now.

    Raises ``ValidationError`` when there is nothing to retry (not a received file, or Meta no
    longer keeps it). A stored file, or one downloading right now, is returned as it is.
    """
    now = timezone.now()
    asset = MediaAsset.objects.get(pk=asset_id)
    if not asset.is_inbound:
        raise ValidationError("Only files received from customers are downloaded.")
    if asset.download_state == State.DONE:
        return asset
    if asset.inbound_expires_at and asset.inbound_expires_at <= now:
        raise ValidationError("Meta no longer keeps this file (received files can be downloaded for 7 days); "
                              "ask the customer to send it again.")
    if asset.download_state == State.DOWNLOADING and asset.next_retry_at and asset.next_retry_at > now:
        return asset
    MediaAsset.objects.filter(pk=asset.pk).update(
        download_state=State.PENDING, download_attempts=0, download_refused=False, next_retry_at=None, updated_at=now
    )
    _enqueue_on_commit(asset.pk)
    asset.refresh_from_db()
    return asset


def requeue_stale_downloads(*, now: datetime | None = None) -> int:
    """Re-enqueue downloads whose task was lost (broker restart, killed worker); returns how many.

    Pending for over 2 minutes, failed with a retry time 2 minutes past, or downloading past the lease.
    """
    now = now or timezone.now()
    grace = now - timedelta(minutes=2)
    stale = (
        MediaAsset.objects.filter(origin=MediaAsset.Origin.INBOUND, inbound_expires_at__gt=now)
        .filter(
            Q(download_state=State.PENDING, updated_at__lt=grace)
            | Q(download_state=State.FAILED, download_refused=False, next_retry_at__lt=grace)
            | Q(download_state=State.DOWNLOADING, next_retry_at__lt=now)
        )
        .values_list("pk", flat=True)[:500]
    )
    pks = list(stale)
    from ..tasks import download_inbound_media_task  # tasks import this module: a cycle at module level

    for pk in pks:
        download_inbound_media_task.delay(pk)
    return len(pks)


# -- the steps --------------------------------------------------------------------------------


def _claim(asset: MediaAsset, now: datetime) -> bool:
    """Take the download (one worker at a time); the lease lets another take over a dead worker's."""
    return bool(
        MediaAsset.objects.filter(pk=asset.pk)
        .filter(
            Q(download_state__in=[State.PENDING, State.FAILED])
            | Q(download_state=State.DOWNLOADING, next_retry_at__lt=now)
        )
        .update(
            download_state=State.DOWNLOADING,
            download_attempts=F("download_attempts") + 1,
            next_retry_at=now + DOWNLOAD_LEASE,
            updated_at=now,
        )
    )


def _fetch(asset: MediaAsset, now: datetime) -> DownloadedMedia:
    client = client_for(asset.account)
    fresh = asset.inbound_url and asset.inbound_url_fetched_at and now - asset.inbound_url_fetched_at < URL_MAX_AGE
    url = asset.inbound_url if fresh else _fresh_url(asset, client, now)
    try:
        return client.download_media(url=url, max_bytes=_limit(asset))
    except CloudApiError as error:
        if not fresh or error.http_status not in (403, 404, 410):
            raise
    # The link expired sooner than we thought: one more try with a new one.
    return client.download_media(url=_fresh_url(asset, client, now), max_bytes=_limit(asset))


def _fresh_url(asset: MediaAsset, client: CloudApiClient, now: datetime) -> str:
    phone_number_id = asset.phone_number.phone_number_id if asset.phone_number else None
    info = client.get_media(media_id=asset.inbound_media_id, phone_number_id=phone_number_id)
    limit = _limit(asset)
    if info.file_size is not None and info.file_size > limit:
        raise _Refused(_too_large(asset, info.file_size))
    asset.inbound_url, asset.inbound_url_fetched_at = info.url, now
    fields = ["inbound_url", "inbound_url_fetched_at"]
    if info.sha256 and _sha256_hex(asset.expected_sha256) is None:
        asset.expected_sha256 = info.sha256[:128]
        fields.append("expected_sha256")
    if info.mime_type and not asset.expected_mime_type:
        asset.expected_mime_type = info.mime_type[:127]
        fields.append("expected_mime_type")
    asset.save(update_fields=fields)
    return info.url


def _verify(asset: MediaAsset, downloaded: DownloadedMedia) -> tuple[str, str]:
    """The MIME type to keep and the sha256, once both agree with what Meta announced."""
    content = downloaded.content
    if len(content) > _limit(asset):
        raise _Refused(_too_large(asset, len(content)))
    actual = hashlib.sha256(content).hexdigest()
    expected = _sha256_hex(asset.expected_sha256)
    if expected is not None and expected != actual:
        raise _Refused("The file's sha256 does not match the one Meta announced; it was not stored.")
    declared = kinds.base_mime(asset.expected_mime_type or downloaded.mime_type)
    sniffed = sniff(io.BytesIO(content), size=len(content))
    if declared == "text/plain" and sniffed.dangerous and "program" not in sniffed.label:
        return declared, actual  # a customer's .txt that holds markup: kept, and only ever served as text
    found = kinds.with_article(sniffed.label)
    announced = declared or f"a {asset.kind}"
    if sniffed.mime_type and declared and not _same_format(sniffed.mime_type, declared):
        raise _Refused(f"Meta announced {announced}, but the file is {found}; it was not stored.")
    if not sniffed.mime_type and (asset.kind != kinds.DOCUMENT or declared in kinds.FILE_TYPES):
        raise _Refused(f"Meta announced {announced}, but the file is {found}; it was not stored.")
    return declared or sniffed.mime_type or "application/octet-stream", actual


def _store(asset: MediaAsset, content: bytes, *, mime_type: str, sha256: str, now: datetime) -> MediaAsset:
    asset.mime_type, asset.sha256, asset.size = mime_type[:127], sha256, len(content)
    if not asset.original_name:
        file_type = kinds.FILE_TYPES.get(mime_type)
        extension = f".{file_type.extension}" if file_type else ""
        asset.original_name = f"{asset.kind}-{asset.inbound_media_id}{extension}"
    storage.save_file(asset, io.BytesIO(content))
    asset.download_state, asset.downloaded_at = State.DONE, now
    asset.last_error, asset.next_retry_at, asset.download_refused = "", None, False
    asset.save()
    return asset


def _fail(asset: MediaAsset, reason: str, *, permanent: bool, now: datetime) -> MediaAsset:
    next_retry_at = None if permanent else _next_retry(asset, now)
    if not permanent and next_retry_at is None:
        reason += f" Gave up after {asset.download_attempts} attempts."
    MediaAsset.objects.filter(pk=asset.pk).update(
        download_state=State.FAILED, last_error=reason, next_retry_at=next_retry_at, download_refused=permanent,
        updated_at=now,
    )
    asset.refresh_from_db()
    if permanent:
        logger.warning("Inbound media asset %s refused: %s", asset.pk, reason)
    return asset


def _next_retry(asset: MediaAsset, now: datetime) -> datetime | None:
    attempt = max(asset.download_attempts, 1)
    if attempt > len(RETRY_DELAYS):
        return None
    when = now + RETRY_DELAYS[attempt - 1]
    if asset.inbound_expires_at:
        last_chance = asset.inbound_expires_at - timedelta(minutes=10)
        if when > last_chance:
            when = last_chance
        if when <= now:
            return None
    return when


# -- small helpers ----------------------------------------------------------------------------


def _enqueue_on_commit(asset_ids: int | list[int]) -> None:
    from ..tasks import download_inbound_media_task  # tasks import this module: a cycle at module level

    for asset_id in [asset_ids] if isinstance(asset_ids, int) else asset_ids:
        transaction.on_commit(lambda asset_id=asset_id: download_inbound_media_task.delay(asset_id))


def _limit(asset: MediaAsset) -> int:
    return kinds.MAX_BYTES.get(asset.kind, kinds.MAX_UPLOAD_BYTES)


def _too_large(asset: MediaAsset, size: int) -> str:
    limit = _limit(asset)
    return (f"The file is {kinds.human_size(size)}; Meta's limit for {asset.get_kind_display().lower()} files is "
            f"{kinds.human_size(limit)}. It was not downloaded.")


def _is_permanent(error: CloudApiError) -> bool:
    if error.retryable or isinstance(error, AuthError):
        return False  # network, 5xx, throttling; a bad token is fixed by an administrator
    if error.http_status in (403, 404, 410) and not _media_gone(error):
        return False  # a download link that died twice: the next attempt asks for a new one
    return error.http_status is not None and error.http_status < 500


def _explain(asset: MediaAsset, error: CloudApiError) -> str:
    if isinstance(error, AuthError):
        return f"Meta refused our access token ({error}); an administrator must renew it."
    if _media_gone(error):
        return "Meta no longer has this file (the media id expired or was deleted)."
    if error.http_status is not None and 200 <= error.http_status < 300:
        # The client stopped reading at the limit we gave it: the body was bigger.
        return (f"The file is larger than Meta's limit for {asset.get_kind_display().lower()} files "
                f"({kinds.human_size(_limit(asset))}); it was not downloaded.")
    return f"Download failed: {error}"


def _media_gone(error: CloudApiError) -> bool:
    return error.code == 100 and error.error_subcode == 33


def _trusted_url(url: str) -> bool:
    """Only Meta's media hosts (or the Graph base we talk to, e.g. the simulator) get our token."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.netloc and parts.netloc == urlsplit(settings.GRAPH_API_BASE_URL).netloc:
        return True
    return parts.scheme == "https" and any(host == suffix[1:] or host.endswith(suffix) for suffix in _META_MEDIA_HOSTS)


def _sha256_hex(value: str) -> str | None:
    """Meta's sha256 as hex: the info answer gives hex, webhooks base64. None when it is neither."""
    text = (value or "").strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return text.lower()
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            continue
        if len(raw) == 32:
            return raw.hex()
    return None


def _same_format(sniffed: str, declared: str) -> bool:
    if sniffed == declared:
        return True
    if sniffed == "text/plain" and declared.startswith("text/") and declared not in ("text/html", "text/xml"):
        return True
    return any(sniffed in group and declared in group for group in _SAME_FORMAT)
