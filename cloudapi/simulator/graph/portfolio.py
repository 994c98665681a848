"""The business portfolio a WABA belongs to (``owner_business_info``) and what is set per portfolio:
the messaging limit, shared by all its numbers since 2025-10-07 (docs/cloudapi.md §9)."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from ..config import SimNumber
from ..state import Store

DEFAULT_LIMIT = "TIER_250"
# ``whatsapp_business_manager_messaging_limit`` values; TIER_1K is gone, TIER_50 is the legacy floor.
LIMIT_TIERS = ("TIER_50", "TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED")
# The field exists from Graph v24.0; older versions know only the deprecated ``messaging_limit_tier``.
NEW_LIMIT_FIELD = "whatsapp_business_manager_messaging_limit"
NEW_LIMIT_SINCE = (24, 0)


def business_id(number: SimNumber) -> str:
    """The owner business's id: configured, or a stable id derived from the WABA id."""
    if number.business_id:
        return number.business_id
    return _derived_business_id(number.waba_id)


@functools.lru_cache(maxsize=1024)
def _derived_business_id(waba_id: str) -> str:
    return str(10**14 + int(hashlib.sha256(f"business:{waba_id}".encode()).hexdigest(), 16) % (9 * 10**14))


def owner_business_info(number: SimNumber) -> dict[str, Any]:
    """``{"name", "id"}`` as in ``GET /{waba-id}?fields=owner_business_info``."""
    return {"name": number.business_name or f"{number.verified_name or 'Simulated'} (business portfolio)",
            "id": business_id(number)}


_UNIQUE_USERS = {"TIER_50": 50, "TIER_250": 250, "TIER_2K": 2_000, "TIER_10K": 10_000, "TIER_100K": 100_000}


def unique_user_limit(tier: str) -> int | None:
    """Unique customers outside a service window per moving 24 h a tier allows (None: unlimited)."""
    return _UNIQUE_USERS.get(tier)


def messaging_limit(store: Store, number: SimNumber) -> str:
    """The portfolio's messaging limit tier."""
    found = store.get("portfolio", business_id(number))
    return str(found["messaging_limit"]) if found else DEFAULT_LIMIT


def set_messaging_limit(store: Store, number: SimNumber, tier: str, *, now: float) -> str:
    """Set the portfolio's tier; returns the previous one."""
    if tier not in LIMIT_TIERS:
        raise ValueError(f"tier must be one of {', '.join(LIMIT_TIERS)}")
    previous = messaging_limit(store, number)
    store.put("portfolio", business_id(number), {"messaging_limit": tier}, created=now)
    return previous


def has_new_limit_field(version: str) -> bool:
    """Whether Graph ``vNN.N`` serves ``whatsapp_business_manager_messaging_limit``."""
    major, _, minor = version.lstrip("v").partition(".")
    try:
        return (int(major), int(minor or 0)) >= NEW_LIMIT_SINCE
    except ValueError:
        return False
