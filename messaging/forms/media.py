"""A media message: a file from the media library (the picker's ``media_asset``), a new upload, or
a public link. An upload is checked here (media_lib's ``inspect_upload``) and stored only when the
message is sent (``compose.media_draft_from_upload``)."""

from django import forms
from django.core.exceptions import ValidationError

from media_lib.models import MediaAsset
from media_lib.services import inspect_upload

from ..services import compose, limits
from ..services.compose import MEDIA_KINDS, Draft
from .compose import ComposeForm, limited


class SendMediaForm(ComposeForm):
    kind = "media"
    label = "Media"

    media_kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "— from the file —")] + [(k, k.capitalize()) for k in MEDIA_KINDS]
    )
    media_asset = forms.IntegerField(required=False, widget=forms.HiddenInput)
    upload = forms.FileField(required=False, label="Or upload a new file")
    link = forms.CharField(
        required=False, label="Or a public link", widget=limited(limits.CTA_URL, label="Link", placeholder="https://…", **{"data-url": "1"})
    )
    caption = forms.CharField(
        required=False, widget=limited(limits.MEDIA_CAPTION, label="Caption", textarea=True, placeholder="Caption (image, video, document)")
    )
    filename = forms.CharField(
        required=False, label="File name (documents)", widget=limited(limits.DOCUMENT_FILENAME, label="File name")
    )

    def clean_media_asset(self):
        pk = self.cleaned_data.get("media_asset")
        if pk is None:
            return None
        asset = MediaAsset.objects.filter(pk=pk, account_id=self.conversation.phone_number.account_id).first()
        if asset is None:
            raise ValidationError("That file is not in this account's media library.")
        return asset

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            self.checked_upload = inspect_upload(uploaded_file=upload)
        return upload

    def build(self, data: dict) -> Draft | None:
        kind = data.get("media_kind") or ""
        if data.get("upload") is not None:
            if data.get("media_asset") is not None or data.get("link"):
                raise ValidationError({"upload": ["Upload a file, or choose one from the library, or give a link: only one."]})
            found = self.checked_upload.kind
            if kind and kind != found:
                raise ValidationError({"upload": [f"That file is a {found}, not a {kind}."]})
            self.cleaned_data["media_kind"] = found
            return None  # stored when sent: see draft()
        if data.get("media_asset") is None and not data.get("link"):
            raise ValidationError({"media_asset": ["Choose a file from the library, upload one, or give a public link."]})
        if not kind:
            asset = data.get("media_asset")
            kind = asset.kind if asset is not None else ""
            if not kind:
                raise ValidationError({"media_kind": ["Say which kind of file the link is."]})
        return compose.media_draft(
            conversation=self.conversation, kind=kind, asset=data.get("media_asset"), link=data.get("link", ""),
            caption=data.get("caption", ""), filename=data.get("filename", ""),
        )

    def draft(self) -> Draft:
        if self._draft is not None:
            return self._draft
        data = self.cleaned_data
        return compose.media_draft_from_upload(
            conversation=self.conversation, kind=data["media_kind"], uploaded_file=data["upload"], user=self.user,
            caption=data.get("caption", ""), filename=data.get("filename", ""),
        )
