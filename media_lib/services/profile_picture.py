"""A business profile's picture: the media library's checks, Meta's resumable upload for a
handle, then the profile update (``accounts``' ``save_business_profile``, which audits it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from accounts.graph import client_for
from accounts.models import PhoneNumber
from accounts.services.business_profile import ProfileRefused, ProfileSaved, save_business_profile
from cloudapi.errors import CloudApiError

from .. import kinds
from .uploads import inspect_upload

PICTURE_TYPES = ("image/jpeg", "image/png")


def set_profile_picture(*, phone_number: PhoneNumber, uploaded_file: UploadedFile, user) -> ProfileSaved:
    """Make ``uploaded_file`` the number's profile picture at Meta.

    Raises ``ValidationError`` when the file is not a JPEG or PNG image WhatsApp takes (decided
    from its bytes, as every upload is) or the account has no Meta app id, and ``ProfileRefused``
    when Meta refuses the upload or the handle; Meta's profile is unchanged then.
    """
    checked = inspect_upload(uploaded_file=uploaded_file)
    if checked.mime_type not in PICTURE_TYPES:
        raise ValidationError(
            f"A profile picture must be a JPEG or PNG image; this file is "
            f"{kinds.with_article(kinds.FILE_TYPES[checked.mime_type].label)}.",
            code="not_a_picture")
    account = phone_number.account
    if not account.app_id:
        raise ValidationError(
            "The business account has no Meta app id, which Meta's upload of a picture needs: add it to the "
            "account first.", code="no_app_id")
    uploaded_file.seek(0)
    try:
        handle = client_for(account).upload_for_handle(
            app_id=account.app_id, file_name=checked.name, data=uploaded_file.read(), file_type=checked.mime_type
        )
    except CloudApiError as error:
        refused = ProfileRefused.from_error(error, action="take the picture")
        if error.object_missing:  # the upload goes to /{app-id}/uploads: the app id is what Meta can't find
            refused.message += f" Check the account's Meta app id ({account.app_id})."
        raise refused from None
    return save_business_profile(phone_number=phone_number, values={}, picture_handle=handle, actor=user)
