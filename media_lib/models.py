"""Media assets: files operators upload and files customers send, and their ids at Meta.

A message with media points at a ``MediaAsset``; the inbound download state a bubble shows
("downloading", "failed, retry") lives here, so media_lib never needs messaging.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import BusinessAccount, PhoneNumber

from . import kinds

# Meta keeps uploaded media (and its id) 30 days; ids received in webhooks live 7 days.
CLOUD_MEDIA_ID_LIFETIME = timedelta(days=30)
INBOUND_MEDIA_ID_LIFETIME = timedelta(days=7)


def _asset_file_path(asset: MediaAsset, filename: str) -> str:
    # Content-addressed and never built from the uploader's name: no path tricks, no collisions.
    extension = kinds.FILE_TYPES[kinds.base_mime(asset.mime_type)].extension if kinds.base_mime(
        asset.mime_type) in kinds.FILE_TYPES else "bin"
    return f"media_lib/{asset.account_id}/{asset.origin}/{asset.sha256[:2]}/{asset.sha256}.{extension}"


def _thumbnail_path(asset: MediaAsset, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "jpg"
    return f"media_lib/{asset.account_id}/thumbnails/{asset.sha256[:2]}/{asset.sha256}.{extension}"


class MediaAsset(models.Model):
    """One file: uploaded by an operator (sendable) or received from a customer (downloaded later)."""

    class Kind(models.TextChoices):
        IMAGE = kinds.IMAGE, "Image"
        VIDEO = kinds.VIDEO, "Video"
        AUDIO = kinds.AUDIO, "Audio"
        DOCUMENT = kinds.DOCUMENT, "Document"
        STICKER = kinds.STICKER, "Sticker"

    class Origin(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        INBOUND = "inbound", "Received from a customer"

    class DownloadState(models.TextChoices):
        PENDING = "pending", "Waiting to download"
        DOWNLOADING = "downloading", "Downloading"
        DONE = "done", "Stored"
        FAILED = "failed", "Download failed"

    account = models.ForeignKey(BusinessAccount, on_delete=models.CASCADE, related_name="media_assets")
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.UPLOADED)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    original_name = models.CharField(max_length=255, blank=True, help_text="The file's name, made safe.")
    file = models.FileField(upload_to=_asset_file_path, max_length=255, blank=True)
    thumbnail = models.FileField(upload_to=_thumbnail_path, max_length=255, blank=True)
    mime_type = models.CharField("MIME type", max_length=127, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    sha256 = models.CharField(max_length=64, blank=True, db_index=True, help_text="Hex digest of the stored file.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Inbound only: what the webhook said, and how fetching it goes.
    phone_number = models.ForeignKey(
        PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The number the file was sent to (inbound).",
    )
    inbound_media_id = models.CharField("Meta media id (inbound)", max_length=64, blank=True)
    inbound_url = models.TextField(blank=True, help_text="Download URL; Meta's links live 5 minutes.")
    inbound_url_fetched_at = models.DateTimeField(null=True, blank=True)
    expected_sha256 = models.CharField(max_length=128, blank=True, help_text="As Meta gave it (hex or base64).")
    expected_mime_type = models.CharField(max_length=127, blank=True)
    inbound_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Meta forgets inbound media ids 7 days after the webhook."
    )
    download_state = models.CharField(max_length=16, choices=DownloadState.choices, default=DownloadState.DONE)
    download_attempts = models.PositiveIntegerField(default=0)
    download_refused = models.BooleanField(
        default=False, help_text="The file broke Meta's limits or its declared type: retrying will not help."
    )
    last_error = models.TextField(blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    # Not stored: ``store_upload`` sets it True when the file was already in the library.
    deduplicated = False

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "sha256"], condition=Q(origin="uploaded"), name="media_asset_upload_sha256_unique"
            ),
            models.UniqueConstraint(
                fields=["account", "inbound_media_id"], condition=Q(origin="inbound"),
                name="media_asset_inbound_media_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "origin", "kind"], name="media_asset_library_idx"),
            models.Index(fields=["download_state", "next_retry_at"], name="media_asset_download_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name or f"{self.get_kind_display()} {self.pk}"

    @property
    def is_stored(self) -> bool:
        """The file is here (uploaded, or inbound and downloaded)."""
        return self.download_state == self.DownloadState.DONE and bool(self.file)

    @property
    def is_inbound(self) -> bool:
        return self.origin == self.Origin.INBOUND

    @property
    def badge(self) -> str:
        """A short label for files without a preview: the extension (``PDF``, ``DOCX``) or the kind."""
        stem, dot, extension = (self.original_name or "").rpartition(".")
        if dot and stem and 0 < len(extension) <= 5:
            return extension.upper()
        return self.get_kind_display()

    @property
    def can_retry(self) -> bool:
        """A failed inbound download whose media id Meta still keeps."""
        return (
            self.is_inbound
            and self.download_state == self.DownloadState.FAILED
            and (self.inbound_expires_at is None or self.inbound_expires_at > timezone.now())
        )


class CloudMediaId(models.Model):
    """An asset uploaded to Meta for one phone number: the media id messages send, valid 30 days."""

    asset = models.ForeignKey(MediaAsset, on_delete=models.CASCADE, related_name="cloud_ids")
    phone_number = models.ForeignKey(PhoneNumber, on_delete=models.CASCADE, related_name="cloud_media_ids")
    media_id = models.CharField(max_length=64, db_index=True)
    uploaded_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "phone_number"], name="cloud_media_id_per_number_unique")
        ]
        verbose_name = "Meta media id"

    def __str__(self) -> str:
        return f"{self.media_id} (+{self.phone_number.display_phone_number})"

    def is_usable(self, *, now=None, margin: timedelta = timedelta(0)) -> bool:
        return self.expires_at - margin > (now or timezone.now())
