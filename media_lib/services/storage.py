"""Putting an asset's bytes (and thumbnail) into Django's storage, and taking them out again.

Everything goes through the field's storage (``STORAGES["default"]``): the filesystem by
default, S3-compatible storage by a settings change (docs/media.md).
"""

from __future__ import annotations

from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from .. import images, kinds
from ..models import MediaAsset


def save_file(asset: MediaAsset, content: IO[bytes]) -> None:
    """Write ``content`` as the asset's file and, for images and stickers, a thumbnail (not saved to the DB)."""
    asset.file.save("file", File(content), save=False)
    if asset.kind in (kinds.IMAGE, kinds.STICKER):
        thumbnail = images.make_thumbnail(content)
        if thumbnail is not None:
            asset.thumbnail.save(f"thumbnail.{thumbnail.extension}", ContentFile(thumbnail.content), save=False)
            asset.width, asset.height = thumbnail.width, thumbnail.height


def delete_files_now(asset: MediaAsset) -> None:
    """Remove the asset's file and thumbnail from storage at once (nothing refers to them)."""
    _delete(asset.file.storage, [name for name in (asset.file.name, asset.thumbnail.name) if name])


def delete_files_on_commit(asset: MediaAsset) -> None:
    """Remove the files once the row's deletion is committed (a rollback keeps them)."""
    storage = asset.file.storage
    names = [name for name in (asset.file.name, asset.thumbnail.name) if name]
    transaction.on_commit(lambda: _delete(storage, names))


def _delete(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
