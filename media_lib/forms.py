"""The upload form. The file's checks are the service's (``store_upload``); the form only collects."""

from django import forms

from . import selectors


class UploadForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, empty_label=None, label="Business account")
    file = forms.FileField(label="File", allow_empty_file=True)  # the service says "The file is empty."

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        accounts = selectors.upload_accounts(user)
        self.fields["account"].queryset = accounts
        if len(accounts) == 1:
            self.fields["account"].initial = accounts[0]
            self.fields["account"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ACCEPT


class ProfilePictureForm(forms.Form):
    """A business profile's picture: only collected here; ``set_profile_picture`` checks the bytes."""

    profile_picture = forms.FileField(
        label="Profile picture", allow_empty_file=True,
        error_messages={"required": "Choose a JPEG or PNG picture to upload."},
    )


ACCEPT = ",".join(
    [
        "image/jpeg", "image/png", "image/webp", "video/mp4", "video/3gpp", "audio/aac", "audio/amr", "audio/mpeg",
        "audio/mp4", "audio/ogg", "application/pdf", "text/plain", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
    ]
)
