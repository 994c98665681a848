"""Deleting an asset: at Meta first (every media id), then the row, then the stored files."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.graph import client_for
from cloudapi.errors import CloudApiError

from ..models import MediaAsset
from . import storage
from .usage import usages_of


class AssetInUse(ValidationError):
    """The asset is used (by messages, templates …): deleting it needs ``force``."""

    def __init__(self, asset: MediaAsset, usages: list[str]) -> None:
        self.usages = usages
        shown = "; ".join(usages[:5]) + (f"; and {len(usages) - 5} more" if len(usages) > 5 else "")
        super().__init__(f"“{asset}” is in use: {shown}. Confirm to delete it anyway.", code="in_use")


def delete_asset(*, asset: MediaAsset, force: bool = False) -> None:
    """Delete ``asset`` at Meta (every number's media id), here, and from storage.

    Refuses with ``AssetInUse`` (a ``ValidationError`` listing the uses) when a usage provider
    reports it in use, unless ``force``. Refuses with ``ValidationError`` when Meta can't delete
    a copy (nothing local is deleted then; ids already deleted at Meta are forgotten).
    """
    usages = usages_of(asset=asset)
    if usages and not force:
        raise AssetInUse(asset, usages)
    delete_at_meta(asset=asset)
    with transaction.atomic():
        storage.delete_files_on_commit(asset)
        asset.delete()


def delete_at_meta(*, asset: MediaAsset) -> int:
    """Delete every copy of ``asset`` Meta keeps for our numbers; returns how many were deleted.

    Ids that already expired, or that Meta no longer knows, are simply forgotten.
    """
    now = timezone.now()
    client = None
    deleted = 0
    for cloud_id in asset.cloud_ids.select_related("phone_number"):
        if cloud_id.expires_at > now:
            client = client or client_for(asset.account)
            try:
                client.delete_media(media_id=cloud_id.media_id, phone_number_id=cloud_id.phone_number.phone_number_id)
                deleted += 1
            except CloudApiError as error:
                if not _already_gone(error):
                    number = cloud_id.phone_number.display_phone_number
                    raise ValidationError(
                        f"Meta could not delete the copy of “{asset}” on +{number}: {error}. "
                        "Nothing was deleted here; try again.",
                        code="meta_delete_failed",
                    ) from error
        cloud_id.delete()
    return deleted


def _already_gone(error: CloudApiError) -> bool:
    return error.http_status == 404 or (error.code == 100 and error.error_subcode == 33)
