"""Meta media ids for our assets: uploaded to a number when first needed, renewed before they expire.

Meta keeps an uploaded file 30 days. ``ensure_cloud_media_id`` hands the send path an id that
stays valid for at least ``REFRESH_MARGIN`` more, uploading again when it would not; when Meta
still answers that an id is unknown (deleted at Meta, clock skew), the send path calls
``refresh_cloud_media_id`` once and retries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.graph import client_for
from accounts.models import PhoneNumber
from cloudapi.errors import CloudApiError

from .. import kinds
from ..models import CLOUD_MEDIA_ID_LIFETIME, CloudMediaId, MediaAsset

# A message may wait in Meta's delivery queue after the send: never hand out an id this close to its end.
REFRESH_MARGIN = timedelta(days=1)
# 131053 "media upload error" is how Meta refuses a send whose media id it no longer knows; 100/33
# "object does not exist" is how it answers the id itself.
_UNKNOWN_MEDIA_CODES = {131053}


def ensure_cloud_media_id(*, asset: MediaAsset, phone_number: PhoneNumber, now: datetime | None = None) -> str:
    """A Meta media id for sending ``asset`` from ``phone_number``, valid for at least a day more.

    Uploads the file (``client.upload_media``) when the number has no id for it yet or the id is
    about to expire, and remembers the new id for 30 days. Raises ``ValidationError`` when the
    asset can't be sent (not stored yet, another account's number, a type WhatsApp refuses) and
    ``CloudApiError`` when Meta refuses or can't be reached (the caller's task decides to retry).
    """
    _check_sendable(asset, phone_number)
    now = now or timezone.now()
    current = CloudMediaId.objects.filter(asset=asset, phone_number=phone_number).first()
    if current is not None and current.is_usable(now=now, margin=REFRESH_MARGIN):
        return current.media_id
    return _upload(asset, phone_number, now)


def refresh_cloud_media_id(*, asset: MediaAsset, phone_number: PhoneNumber, now: datetime | None = None) -> str:
    """Forget the number's id for ``asset`` and upload it again; returns the new id.

    For the send path after Meta refused an id (see ``is_unknown_media_error``): call it once,
    then resend; a second refusal is about the file itself, not the id.
    """
    _check_sendable(asset, phone_number)
    CloudMediaId.objects.filter(asset=asset, phone_number=phone_number).delete()
    return _upload(asset, phone_number, now or timezone.now())


def is_unknown_media_error(error: CloudApiError) -> bool:
    """Whether Meta's error means "this media id is unknown or expired" (worth one re-upload)."""
    return error.code in _UNKNOWN_MEDIA_CODES or (error.code == 100 and error.error_subcode == 33)


def _upload(asset: MediaAsset, phone_number: PhoneNumber, now: datetime) -> str:
    # Two sends racing here both upload; the later id wins, and both stay valid at Meta 30 days.
    mime_type = kinds.base_mime(asset.mime_type)
    with asset.file.open("rb") as content:
        media_id = client_for(asset.account).upload_media(
            phone_number_id=phone_number.phone_number_id,
            file=content,
            filename=asset.original_name or f"{asset.kind}.{kinds.FILE_TYPES[mime_type].extension}",
            mime_type=mime_type,
        )
    CloudMediaId.objects.update_or_create(
        asset=asset,
        phone_number=phone_number,
        defaults={"media_id": media_id, "uploaded_at": now, "expires_at": now + CLOUD_MEDIA_ID_LIFETIME},
    )
    return media_id


def _check_sendable(asset: MediaAsset, phone_number: PhoneNumber) -> None:
    if phone_number.account_id != asset.account_id:
        raise ValidationError("This file belongs to another business account than the sending number.")
    if not asset.is_stored:
        raise ValidationError(f"“{asset}” is not stored yet ({asset.get_download_state_display().lower()}).")
    if kinds.base_mime(asset.mime_type) not in kinds.FILE_TYPES:
        raise ValidationError(f"WhatsApp can't send {asset.mime_type or 'this kind of'} files.")
