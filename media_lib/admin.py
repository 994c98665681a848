"""Support staff's view of media: search by the ids they paste, retry downloads, delete at Meta, upload."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin_audit import AuditedAdminMixin
from accounts.admin_scope import ScopedAdminMixin
from cloudapi.errors import CloudApiError

from .models import CloudMediaId, MediaAsset
from .services import delete_asset, delete_at_meta, ensure_cloud_media_id, inspect_upload, retry_download, store_upload


class CloudMediaIdInline(admin.TabularInline):
    model = CloudMediaId
    extra = 0
    fields = ("phone_number", "media_id", "uploaded_at", "expires_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class MediaAssetAddForm(forms.ModelForm):
    """Adding in the admin is uploading: the file goes through the same checks as the library's."""

    upload = forms.FileField(label="File", allow_empty_file=True)

    class Meta:
        model = MediaAsset
        fields = ("account",)

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        inspect_upload(uploaded_file=upload)  # raises ValidationError with the operator's message
        return upload


@admin.register(MediaAsset)
class MediaAssetAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = "account"
    list_display = ("id", "original_name", "kind", "origin", "account", "human_size", "download_state", "created_at")
    list_filter = ("kind", "download_state", "origin", "download_refused", "account")
    list_select_related = ("account",)
    search_fields = ("original_name", "=sha256", "=inbound_media_id", "=cloud_ids__media_id", "=expected_sha256")
    raw_id_fields = ("account", "phone_number", "created_by")
    inlines = [CloudMediaIdInline]
    actions = ["retry_downloads", "delete_copies_at_meta", "upload_to_meta"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "origin", "kind", "file_link", "thumbnail", "mime_type", "size", "sha256", "width", "height", "created_by",
        "created_at", "updated_at", "phone_number", "inbound_media_id", "inbound_url_fetched_at", "expected_sha256",
        "expected_mime_type", "inbound_expires_at", "download_state", "download_attempts", "download_refused",
        "last_error", "next_retry_at", "downloaded_at",
    )
    fieldsets = (
        (None, {"fields": ("account", "original_name", "origin", "kind", "file_link", "thumbnail", "mime_type", "size",
                           "sha256", "width", "height", "created_by", "created_at", "updated_at")}),
        ("Received from a customer", {"fields": (
            "phone_number", "inbound_media_id", "inbound_url_fetched_at", "expected_sha256", "expected_mime_type",
            "inbound_expires_at", "download_state", "download_attempts", "download_refused", "last_error",
            "next_retry_at", "downloaded_at")}),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MediaAssetAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def get_fieldsets(self, request, obj=None):
        return ((None, {"fields": ("account", "upload")}),) if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("account",) + self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        asset = store_upload(account=form.cleaned_data["account"], uploaded_file=form.cleaned_data["upload"],
                             user=request.user)
        obj.pk = asset.pk
        obj.refresh_from_db()
        obj._state.adding = False
        if asset.deduplicated:
            self.message_user(request, f"This file was already stored as “{asset}”.", messages.INFO)

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj) -> None:
        # Support staff may delete what the library refuses (in use): the admin is the override
        # (force). When Meta can't delete a copy, nothing is deleted here, as in the library.
        try:
            delete_asset(asset=obj, force=True)
        except ValidationError as exc:
            request._media_not_deleted = getattr(request, "_media_not_deleted", 0) + 1
            self.message_user(request, exc.messages[0], messages.ERROR)

    def delete_queryset(self, request, queryset) -> None:
        for asset in queryset:
            self.delete_model(request, asset)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "_media_not_deleted", 0):
            return HttpResponseRedirect(reverse("admin:media_lib_mediaasset_change", args=[obj_id]))
        return super().response_delete(request, obj_display, obj_id)

    @admin.display(description="size", ordering="size")
    def human_size(self, obj: MediaAsset) -> str:

        return filesizeformat(obj.size) if obj.size is not None else "—"

    @admin.display(description="file")
    def file_link(self, obj: MediaAsset) -> str:
        if not obj.is_stored:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("media_lib:asset-serve", args=[obj.pk]), obj.file.name)

    @admin.action(description="Retry the download of selected received files")
    def retry_downloads(self, request, queryset) -> None:
        started = 0
        received = queryset.filter(origin=MediaAsset.Origin.INBOUND)
        for asset in received.exclude(download_state=MediaAsset.DownloadState.DONE):
            try:
                retry_download(asset_id=asset.pk)
                started += 1
            except ValidationError as exc:
                self.message_user(request, f"{asset}: {exc.messages[0]}", messages.WARNING)
        self.message_user(request, f"{started} download(s) queued.")

    @admin.action(description="Delete the selected files' copies at Meta")
    def delete_copies_at_meta(self, request, queryset) -> None:
        total = 0
        for asset in queryset.filter(cloud_ids__isnull=False).distinct():
            try:
                total += delete_at_meta(asset=asset)
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.ERROR)
        self.message_user(request, f"{total} copy(ies) deleted at Meta.")

    @admin.action(description="Upload the selected files to Meta for each of their account's numbers")
    def upload_to_meta(self, request, queryset) -> None:
        done = 0
        for asset in queryset.select_related("account"):
            for phone in asset.account.phone_numbers.all():
                try:
                    ensure_cloud_media_id(asset=asset, phone_number=phone)
                    done += 1
                except (ValidationError, CloudApiError) as exc:
                    text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                    self.message_user(request, f"{asset} on {phone}: {text}", messages.ERROR)
        self.message_user(request, f"{done} media id(s) valid at Meta.")


@admin.register(CloudMediaId)
class CloudMediaIdAdmin(ScopedAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    scope_account = "asset__account"
    list_display = ("media_id", "asset", "phone_number", "uploaded_at", "expires_at")
    list_select_related = ("asset", "phone_number")
    search_fields = ("=media_id", "=asset__sha256", "asset__original_name")
    raw_id_fields = ("asset", "phone_number")
    readonly_fields = ("asset", "phone_number", "media_id", "uploaded_at", "expires_at")

    def has_add_permission(self, request) -> bool:
        return False

