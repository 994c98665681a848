"""Meta's codes for limits, restrictions and alerts, and the words an operator reads for them."""

import re
from typing import Any

from cloudapi.webhook_payloads import InvalidPayload

UNLIMITED = "TIER_UNLIMITED"
NOT_SET = "TIER_NOT_SET"
_TIER = re.compile(r"^TIER_(\d+)(K?)$")

RESTRICTIONS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": "business-initiated messaging",
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": "replying to customers",
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": "adding phone numbers",
}

ALERTS = {
    "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED": "Messaging limit increase deferred",
    "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED": "Messaging limit increase denied",
    "INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO": "More information needed to raise the messaging limit",
    "OBA_APPROVED": "Official business account approved",
    "OBA_REJECTED": "Official business account request denied",
    "PROFILE_PICTURE_LOST": "Business profile photo removed",
}

ACCOUNT_EVENTS = {
    "ACCOUNT_DELETED": "Account deleted at Meta",
    "ACCOUNT_OFFBOARDED": "Account offboarded",
    "ACCOUNT_RECONNECTED": "Account reconnected",
    "VERIFIED_ACCOUNT": "Business verified",
    "PARTNER_ADDED": "Shared with a solution provider",
    "PARTNER_REMOVED": "No longer shared with a solution provider",
    "PARTNER_APP_INSTALLED": "Partner app installed",
    "PARTNER_APP_UNINSTALLED": "Partner app uninstalled",
    "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE": "Eligible for authentication-international rates",
    "AD_ACCOUNT_LINKED": "Ad account linked",
    "MM_LITE_TERMS_SIGNED": "Marketing Messages Lite terms accepted",
    "VOLUME_BASED_PRICING_TIER_UPDATE": "Volume pricing tier updated",
}


def messaging_tier(value: Any) -> str:
    """Meta's limit as one code: ``TIER_2K`` from ``"TIER_2K"``, ``2000`` or ``"2000"``; -1 is unlimited."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(f"bad messaging limit {value!r}")
    text = str(value).strip().upper()
    if re.fullmatch(r"-?\d+", text):
        number = int(text)
        if number == -1:
            return UNLIMITED
        if number <= 0:
            raise InvalidPayload(f"bad messaging limit {value!r}")
        return f"TIER_{number // 1000}K" if number >= 1000 and number % 1000 == 0 else f"TIER_{number}"
    if text in ("UNLIMITED", "NOT_SET"):
        text = f"TIER_{text}"
    if text in (UNLIMITED, NOT_SET) or (_TIER.match(text) and len(text) <= 16):
        return text
    raise InvalidPayload(f"unknown messaging limit {value!r}")


def tier_size(tier: str) -> int | None:
    """Customers per 24 h (``None`` for unlimited or not set), to tell an upgrade from a downgrade."""
    match = _TIER.match(tier)
    if not match:
        return None
    return int(match[1]) * (1000 if match[2] else 1)


def tier_label(tier: str) -> str:
    if tier == UNLIMITED:
        return "unlimited"
    if tier == NOT_SET:
        return "not set yet"
    size = tier_size(tier)
    return f"{size:,} customers / 24 h" if size is not None else tier


def restriction_label(code: str) -> str:
    return RESTRICTIONS.get(code, humanize(code))


def humanize(code: str) -> str:
    """``PIN_RESET_REQUEST`` → ``Pin reset request``: a readable fallback for codes we do not know."""
    words = " ".join(_ACRONYMS.get(word, word) for word in code.replace("_", " ").strip().lower().split())
    return words[:1].upper() + words[1:]


# Short forms Meta's codes spell out, kept in capitals: ``CLOUD_API`` → ``Cloud API``.
_ACRONYMS = {"api": "API", "waba": "WABA", "oba": "OBA", "smb": "SMB", "id": "ID"}
