"""Operators' uploads: checked from the content, stored once per account, thumbnailed."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from accounts.models import BusinessAccount

from ..models import MediaAsset
from ..validation import CheckedUpload, check_upload
from . import storage


def inspect_upload(*, uploaded_file: UploadedFile) -> CheckedUpload:
    """Check a file without storing it (forms call this to show the error on the field).

    Raises ``ValidationError`` with a message for the operator: empty, too large, a type WhatsApp
    does not take, cut off, a name that lies about the type, HTML/SVG/scripts.
    """
    return check_upload(file=uploaded_file, name=uploaded_file.name or "", size=uploaded_file.size)


def store_upload(*, account: BusinessAccount, uploaded_file: UploadedFile, user=None) -> MediaAsset:
    """Check ``uploaded_file`` (see ``inspect_upload``) and keep it in ``account``'s library.

    A file already in the library (same sha256) is not stored twice: the existing asset comes
    back with ``asset.deduplicated = True`` (False for a new one). Images and stickers get a
    thumbnail. Raises ``ValidationError`` for a refused file; nothing is written then.
    """
    checked = inspect_upload(uploaded_file=uploaded_file)
    existing = _existing(account, checked.sha256)
    if existing is not None:
        return existing
    asset = MediaAsset(
        account=account,
        origin=MediaAsset.Origin.UPLOADED,
        kind=checked.kind,
        original_name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=checked.sha256,
        width=checked.image.width if checked.image else None,
        height=checked.image.height if checked.image else None,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        download_state=MediaAsset.DownloadState.DONE,
    )
    storage.save_file(asset, uploaded_file)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # The same file was stored by a concurrent upload a moment ago: keep that one.
        storage.delete_files_now(asset)
        existing = _existing(account, checked.sha256)
        if existing is None:
            raise
        return existing
    asset.deduplicated = False
    return asset


def _existing(account: BusinessAccount, sha256: str) -> MediaAsset | None:
    asset = MediaAsset.objects.filter(account=account, origin=MediaAsset.Origin.UPLOADED, sha256=sha256).first()
    if asset is not None:
        asset.deduplicated = True
    return asset
