"""``GET /{waba-id}?fields=pricing_analytics.start(..).end(..).granularity(DAILY).dimensions([...])``:
Meta's count and cost of what it priced, served from what the simulator really delivered — every
``delivered`` (or ``read``) status with a ``pricing`` object it queued for the WABA's numbers — at the
simulator's list prices below. Any other ``GET /{waba-id}`` is the WABA node (waba.get_waba)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import phonenumbers

from ..request import Request
from . import waba
from .context import Context
from .errors import Response, invalid_parameter

# USD per delivered message of a category (type "regular"); the free types cost nothing.
PRICES = {"marketing": Decimal("0.0250"), "utility": Decimal("0.0040"), "authentication": Decimal("0.0035"),
          "authentication_international": Decimal("0.0300")}
_SPEC = re.compile(r"^pricing_analytics((?:\.\w+\([^)]*\))*)$")
_CALL = re.compile(r"\.(\w+)\(([^)]*)\)")
_SECONDS = {"DAILY": 86400, "HALF_HOUR": 1800}


def get_waba_or_pricing(ctx: Context, request: Request, waba_id: str) -> Response:
    fields = str(request.query.get("fields") or "")
    if not fields.startswith("pricing_analytics"):
        return waba.get_waba(ctx, request, waba_id)
    match = _SPEC.match(fields.replace(" ", ""))
    if not match:
        raise invalid_parameter("fields: pricing_analytics.start(..).end(..).granularity(..) expected")
    calls = {name: value for name, value in _CALL.findall(match[1])}
    try:
        start, end = int(calls["start"]), int(calls["end"])
    except (KeyError, ValueError):
        raise invalid_parameter("pricing_analytics needs start(unix time) and end(unix time)") from None
    granularity = calls.get("granularity", "DAILY")
    if granularity not in ("DAILY", "HALF_HOUR", "MONTHLY") or end <= start:
        raise invalid_parameter("pricing_analytics: granularity DAILY, HALF_HOUR or MONTHLY, and end after start")
    dimensions = {name.strip().strip('"') for name in calls.get("dimensions", "").strip("[]").split(",") if name}
    points = _points(ctx, waba_id, start, end, granularity, dimensions)
    return 200, {"pricing_analytics": {"data": [{"data_points": points}]}, "id": waba_id}


def _points(ctx: Context, waba_id: str, start: int, end: int, granularity: str, dimensions: set) -> list[dict]:
    numbers = {n.phone_number_id: n for n in ctx.numbers.values() if n.waba_id == waba_id}
    cells: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for entry in ctx.store.webhook_log():
        if entry["phone_number_id"] not in numbers or entry["field"] != "messages":
            continue
        for status in _statuses(entry["body"]):
            pricing = status.get("pricing") or {}
            at = int(status.get("timestamp") or 0)
            if status.get("status") not in ("delivered", "read") or not pricing or not start <= at < end:
                continue
            category = str(pricing.get("category") or "").lower().replace("-", "_")
            kind = str(pricing.get("type") or "regular")
            period = _period_start(at, start, granularity)
            key = (period, category.upper() if "PRICING_CATEGORY" in dimensions else None,
                   kind.upper() if "PRICING_TYPE" in dimensions else None,
                   _country(status.get("recipient_id")) if "COUNTRY" in dimensions else None,
                   numbers[entry["phone_number_id"]].display_phone_number if "PHONE" in dimensions else None)
            cells[key][0] += 1
            cells[key][1] += PRICES.get(category, Decimal(0)) if kind == "regular" else Decimal(0)
    points = []
    for (period, category, kind, country, phone), (volume, cost) in sorted(cells.items(), key=lambda c: str(c[0])):
        point: dict[str, Any] = {"start": period, "end": _period_end(period, granularity), "volume": volume,
                                 "cost": float(cost)}
        for name, value in (("pricing_category", category), ("pricing_type", kind), ("country", country),
                            ("phone_number", phone)):
            if value is not None:
                point[name] = value
        points.append(point)
    return points


def _statuses(body: Any) -> list[dict]:
    found = []
    for entry in (body or {}).get("entry") or []:
        for change in entry.get("changes") or []:
            found.extend(item for item in (change.get("value") or {}).get("statuses") or [] if isinstance(item, dict))
    return found


def _period_start(at: int, start: int, granularity: str) -> int:
    if granularity == "MONTHLY":
        day = datetime.fromtimestamp(at, UTC)
        return int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp())
    size = _SECONDS[granularity]
    return at - at % size


def _period_end(period: int, granularity: str) -> int:
    if granularity == "MONTHLY":
        day = datetime.fromtimestamp(period, UTC)
        following = datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=UTC)
        return int(following.timestamp())
    return period + _SECONDS[granularity]


def _country(wa_id: Any) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse("+" + str(wa_id or "").lstrip("+"))) or ""
    except phonenumbers.NumberParseException:
        return ""
