"""The Flows data endpoint's hourly figures, for the flow page's monitoring chart."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from ..models import Flow, FlowEndpointStat


def endpoint_hourly(flow: Flow, *, hours: int = 48) -> list[dict]:
    """One dict per hour with requests of the last ``hours``, oldest first: ``hour``, ``requests``,
    ``errors`` ({421, 427, 432, "other"} counts), ``latency_ms_avg``, ``latency_ms_max``, ``slow``."""
    since = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    rows = (
        FlowEndpointStat.objects.filter(flow=flow, hour__gte=since)
        .values("hour")
        .annotate(requests_=Sum("requests"), e421=Sum("errors_421"), e427=Sum("errors_427"), e432=Sum("errors_432"),
                  other=Sum("errors_other"), total=Sum("latency_ms_total"), max_=Max("latency_ms_max"),
                  slow_=Sum("slow"))
        .order_by("hour")
    )
    return [
        {
            "hour": row["hour"],
            "requests": row["requests_"],
            "errors": {421: row["e421"], 427: row["e427"], 432: row["e432"], "other": row["other"]},
            "latency_ms_avg": round(row["total"] / row["requests_"]) if row["requests_"] else 0,
            "latency_ms_max": row["max_"],
            "slow": row["slow_"],
        }
        for row in rows
    ]
