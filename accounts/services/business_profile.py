"""A number's business profile: read from Meta, changed at Meta, cached here from Meta's answers.

Meta's copy is the real one. ``fetch_business_profile`` reads it into the local ``BusinessProfile``
row; ``save_business_profile`` sends only the fields that differ from that copy, reads Meta's copy
back and writes one audit entry with each changed field's old and new value. A refusal leaves
Meta's copy, the cache and the log as they were, and says which field Meta objected to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from cloudapi.client import BusinessProfileInfo
from cloudapi.errors import AuthError, CloudApiError, PermissionDeniedError

from ..graph import client_for
from ..models import BusinessProfile, PhoneNumber
from .audit import record_audit

PROFILE_FIELDS = ("about", "description", "address", "email", "websites", "vertical")
PICTURE = "profile_picture"
AUDIT_ACTION = "business_profile.update"
# Meta names the parameter it refuses ("Param about must be …"); the picture travels as its handle.
_META_NAMES = {**{name: name for name in PROFILE_FIELDS}, "profile_picture_handle": PICTURE}


class ProfileRefused(Exception):
    """Meta (or the road to it) did not take the change. ``field`` is the form field it concerns
    (``profile_picture`` for the picture), or ``None`` when it concerns the whole profile."""

    def __init__(self, message: str, *, field: str | None = None, error: CloudApiError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.error = error

    @classmethod
    def from_error(cls, error: CloudApiError, *, action: str) -> ProfileRefused:
        return cls(explain(error, action=action), field=refused_field(error), error=error)


@dataclass
class ProfileSaved:
    """The profile after a save: Meta's copy (or, if reading it back failed, ours with the change)."""

    profile: BusinessProfile
    changed: list[str] = field(default_factory=list)
    read_back_problem: str = ""


def fetch_business_profile(*, phone_number: PhoneNumber) -> BusinessProfile:
    """Read ``phone_number``'s profile from Meta and keep it as the local copy.

    Raises ``CloudApiError`` when Meta cannot be asked (callers show the last copy, saying so).
    """
    info = client_for(phone_number.account).get_business_profile(phone_number_id=phone_number.phone_number_id)
    return _keep(phone_number, info)


def cached_business_profile(*, phone_number: PhoneNumber) -> BusinessProfile:
    """The last copy read from Meta (an empty, never-synced one if there is none yet)."""
    return BusinessProfile.objects.filter(phone_number=phone_number).first() or BusinessProfile(
        phone_number=phone_number, vertical="UNDEFINED"
    )


def save_business_profile(
    *, phone_number: PhoneNumber, values: dict[str, Any], actor, picture_handle: str = ""
) -> ProfileSaved:
    """Send Meta the fields of ``values`` that differ from its copy (and the picture handle, if
    given), then read the profile back. Raises ``ProfileRefused`` with nothing changed anywhere."""
    before = cached_business_profile(phone_number=phone_number)
    changes = {name: values[name] for name in PROFILE_FIELDS if name in values and _differs(before, name, values[name])}
    if not changes and not picture_handle:
        return ProfileSaved(profile=before)
    try:
        client_for(phone_number.account).update_business_profile(
            phone_number_id=phone_number.phone_number_id, profile_picture_handle=picture_handle or None, **changes
        )
    except CloudApiError as error:
        raise ProfileRefused.from_error(error, action="change the profile") from None
    old = {name: _plain(getattr(before, name)) for name in changes}
    old_picture = before.profile_picture_url
    saved = ProfileSaved(profile=before, changed=[*changes, *([PICTURE] if picture_handle else [])])
    try:
        saved.profile = fetch_business_profile(phone_number=phone_number)
    except CloudApiError as error:
        # Meta took the change but we could not read it back: keep what we sent, say so.
        saved.profile = _keep_sent(phone_number, before, changes)
        saved.read_back_problem = explain(error, action="show the saved profile")
    details = {name: {"old": old[name], "new": _plain(changes[name])} for name in changes}
    if picture_handle:
        new_picture = "" if saved.read_back_problem else saved.profile.profile_picture_url
        details[PICTURE] = {"old": old_picture, "new": new_picture or "a new picture"}
    record_audit(actor=actor, action=AUDIT_ACTION, obj=saved.profile, account=phone_number.account_id,
                 details={"fields": details})
    return saved


def refused_field(error: CloudApiError) -> str | None:
    """The form field Meta's refusal names (``Param websites …``), or ``None``."""
    text = f"{error.message} {error.details} {error.title}"
    for meta_name, field_name in _META_NAMES.items():
        if re.search(rf"\bparam(?:eter)?\s+{meta_name}\b", text, re.IGNORECASE):
            return field_name
    for meta_name, field_name in _META_NAMES.items():
        if meta_name != "about" and re.search(rf"\b{meta_name}\b", text):  # "about" is also a plain word
            return field_name
    return None


def explain(error: CloudApiError, *, action: str) -> str:
    """One sentence for the page: what Meta said, with its code (Meta's copy was not changed)."""
    if isinstance(error, AuthError):
        return (f"Meta did not accept the account's access token, so it could not {action} "
                f"(error {error.code}): {error.message}. Renew the token under Accounts.")
    if isinstance(error, PermissionDeniedError):
        return (f"The access token lacks a permission Meta needs to {action} (error {error.code}): "
                f"{error.details or error.message}.")
    if error.code is None:
        return f"Meta could not be reached to {action} ({error.message}). Nothing was changed; try again."
    code = f"{error.code}/{error.error_subcode}" if error.error_subcode else str(error.code)
    said = error.details or str(error.raw.get("error_user_msg") or "") or error.message
    return f"Meta refused it: {said.rstrip('.')} (error {code})."


def _keep(phone_number: PhoneNumber, info: BusinessProfileInfo) -> BusinessProfile:
    profile, _ = BusinessProfile.objects.update_or_create(
        phone_number=phone_number,
        defaults={
            "about": (info.about or "")[:139],
            "description": (info.description or "")[:512],
            "address": (info.address or "")[:256],
            "email": (info.email or "")[:128],
            "websites": list(info.websites)[:2],
            "vertical": (info.vertical or "UNDEFINED")[:32],
            "profile_picture_url": info.profile_picture_url or "",
            "synced_at": timezone.now(),
        },
    )
    return profile


def _keep_sent(phone_number: PhoneNumber, before: BusinessProfile, changes: dict[str, Any]) -> BusinessProfile:
    for name, value in changes.items():
        setattr(before, name, list(value) if name == "websites" else value)
    before.phone_number = phone_number
    before.save()
    return before


def _differs(profile: BusinessProfile, name: str, value: Any) -> bool:
    return _plain(getattr(profile, name)) != _plain(value)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return "" if value is None else str(value)
