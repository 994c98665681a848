"""media_lib's verbs. Views, admin actions, tasks and other apps call these, never each other.

* uploads — ``store_upload``, ``inspect_upload``
* cloud_ids — ``ensure_cloud_media_id``, ``refresh_cloud_media_id``, ``is_unknown_media_error``
* deletion — ``delete_asset`` (``AssetInUse``), ``delete_at_meta``
* usage — ``register_usage_provider``, ``usages_of``
* profile_picture — ``set_profile_picture`` (a business profile's picture, through Meta's resumable upload)
* inbound — ``register_inbound_media``, ``download_inbound_media``, ``retry_download``,
  ``requeue_stale_downloads``
"""

from .cloud_ids import ensure_cloud_media_id, is_unknown_media_error, refresh_cloud_media_id
from .deletion import AssetInUse, delete_asset, delete_at_meta
from .inbound import (
    InboundMedia,
    download_inbound_media,
    register_inbound_media,
    register_inbound_media_batch,
    requeue_stale_downloads,
    retry_download,
)
from .profile_picture import set_profile_picture
from .uploads import inspect_upload, store_upload
from .usage import register_usage_provider, unregister_usage_provider, usages_by_asset, usages_of

__all__ = [
    "AssetInUse",
    "delete_asset",
    "delete_at_meta",
    "download_inbound_media",
    "ensure_cloud_media_id",
    "inspect_upload",
    "is_unknown_media_error",
    "refresh_cloud_media_id",
    "InboundMedia",
    "register_inbound_media",
    "register_inbound_media_batch",
    "register_usage_provider",
    "requeue_stale_downloads",
    "retry_download",
    "set_profile_picture",
    "store_upload",
    "unregister_usage_provider",
    "usages_by_asset",
    "usages_of",
]
