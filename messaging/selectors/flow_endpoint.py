"""The Flows data endpoint's hourly figures, for the flow page's monitoring chart."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from ..models import Flow, FlowEndpointStat
from ..services.flows import ALERT_EVENTS


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


# Series colours: answered, then one per error code (the order of ERROR_SERIES), then latency.
ANSWERED_COLOUR = "#2e7d32"
ERROR_SERIES = ((421, "421 could not decrypt", "#c62828"), (427, "427 token refused", "#ef6c00"),
                (432, "432 bad signature", "#6a1b9a"), ("other", "Other errors", "#546e7a"))


def endpoint_charts(rows: list[dict], *, hours: int = 24, now=None) -> dict[str, dict]:
    """The two charts of the endpoint page from ``endpoint_hourly`` rows, one point per hour of the last
    ``hours`` (hours without requests count zero and have no latency), for ``static/console/charts.js``.

    ``requests``: stacked bars, answered and errors by code. ``latency``: average and slowest ms (lines)
    and the requests over a second (bars, right axis).
    """
    end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    slots = [end - timedelta(hours=hours - 1 - i) for i in range(hours)]
    by_hour = {row["hour"]: row for row in rows}
    found = [by_hour.get(slot) for slot in slots]
    labels = [slot.strftime("%H:00") for slot in slots]
    x_title = f"Hour (UTC), {slots[0]:%d %b %H:00} – {slots[-1]:%d %b %H:00}"

    def errors(row, code):
        return row["errors"][code] if row else 0

    answered = [(row["requests"] - sum(row["errors"].values())) if row else 0 for row in found]
    requests = {
        "kind": "bar", "stacked": True, "labels": labels, "x_title": x_title, "y_title": "Requests",
        "series": [{"label": "Answered", "data": answered, "color": ANSWERED_COLOUR}]
        + [{"label": label, "data": [errors(row, code) for row in found], "color": colour}
           for code, label, colour in ERROR_SERIES],
    }
    latency = {
        "kind": "line", "labels": labels, "x_title": x_title,
        "y_title": "Milliseconds", "y1_title": "Requests over 1 s",
        "series": [
            {"label": "Average ms", "color": "#1565c0",
             "data": [row["latency_ms_avg"] if row else None for row in found]},
            {"label": "Slowest ms", "color": "#ad1457",
             "data": [row["latency_ms_max"] if row else None for row in found]},
            {"label": "Over 1 s", "kind": "bar", "axis": "y1", "data": [row["slow"] if row else 0 for row in found],
             "color": "#f9a825"},
        ],
    }
    return {"requests": requests, "latency": latency}


def endpoint_alerts(flow: Flow, *, hours: int = 48) -> dict:
    """Meta's endpoint and client alerts of the flow: the latest state per kind (``Flow.alerts``) and the
    alert steps of its history in the last ``hours``, newest first."""
    latest = flow.alerts if isinstance(flow.alerts, dict) else {}
    current = [{**latest[kind], "kind": kind, "at": _when(latest[kind].get("at"))}
               for kind in sorted(ALERT_EVENTS) if isinstance(latest.get(kind), dict)]
    since = timezone.now() - timedelta(hours=hours)
    steps = list(flow.history.filter(event__in=ALERT_EVENTS, occurred_at__gte=since).order_by("-occurred_at")[:50])
    return {"current": current, "steps": steps}


def _when(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
