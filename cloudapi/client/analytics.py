"""Analytics (docs/cloudapi.md §11): what Meta counted and charged, ``GET /{waba-id}?fields=pricing_analytics…``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ._transport import _Transport, segment

PRICING_DIMENSIONS = ("PRICING_CATEGORY", "PRICING_TYPE", "COUNTRY", "PHONE")


@dataclass(frozen=True)
class PricingDataPoint:
    """One (period, category, type, country, phone) cell of Meta's pricing analytics."""

    start: int  # unix seconds
    end: int
    volume: int
    cost: Decimal
    pricing_category: str = ""
    pricing_type: str = ""
    country: str = ""
    phone_number: str = ""

    @classmethod
    def from_graph(cls, item: dict) -> PricingDataPoint:
        try:
            cost = Decimal(str(item.get("cost", 0) or 0))
        except InvalidOperation:
            cost = Decimal(0)
        return cls(start=int(item.get("start") or 0), end=int(item.get("end") or 0),
                   volume=int(item.get("volume") or 0), cost=cost,
                   pricing_category=str(item.get("pricing_category") or ""),
                   pricing_type=str(item.get("pricing_type") or ""), country=str(item.get("country") or ""),
                   phone_number=str(item.get("phone_number") or ""))


class AnalyticsMixin(_Transport):
    """``/{waba-id}?fields=pricing_analytics…``."""

    def pricing_analytics(self, *, waba_id: str, start: int, end: int, granularity: str = "DAILY",
                          dimensions: tuple[str, ...] = PRICING_DIMENSIONS) -> list[PricingDataPoint]:
        """Meta's volume and cost per ``granularity`` period in [start, end) (unix seconds), split by
        ``dimensions``: what the account was really charged."""
        if granularity not in ("DAILY", "HALF_HOUR", "MONTHLY"):
            raise ValueError(f"Unknown granularity {granularity!r}")
        spec = (f"pricing_analytics.start({int(start)}).end({int(end)}).granularity({granularity})"
                f".metric_types([\"COST\",\"VOLUME\"]).dimensions([{','.join(dict.fromkeys(dimensions))}])")
        data = self._request("GET", f"/{segment(waba_id)}", params={"fields": spec})
        points = []
        for block in (data.get("pricing_analytics") or {}).get("data") or []:
            points.extend(PricingDataPoint.from_graph(item) for item in block.get("data_points") or []
                          if isinstance(item, dict))
        return points
