"""Counts of the Flows data endpoint per flow, number and hour (Meta retired its endpoint metrics API)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import FlowEndpointStat

SLOW_MS = 1000
_ERROR_COLUMNS = {421: "errors_421", 427: "errors_427", 432: "errors_432"}


def record_endpoint_request(*, flow_id: int | None, phone_number_id: int | None, status: int, elapsed_ms: int,
                            at: datetime | None = None) -> None:
    """Add one request to its hour's row (created on the first request of the hour)."""
    hour = (at or timezone.now()).replace(minute=0, second=0, microsecond=0)
    elapsed_ms = max(0, int(elapsed_ms))
    error = _ERROR_COLUMNS.get(status) or ("errors_other" if status >= 400 else None)
    changes = {"requests": F("requests") + 1, "latency_ms_total": F("latency_ms_total") + elapsed_ms,
               "latency_ms_max": Greatest(F("latency_ms_max"), elapsed_ms)}
    if error:
        changes[error] = F(error) + 1
    if elapsed_ms > SLOW_MS:
        changes["slow"] = F("slow") + 1
    rows = FlowEndpointStat.objects.filter(hour=hour, flow_id=flow_id, phone_number_id=phone_number_id)
    if rows.update(**changes):
        return
    # Two first requests of an hour may both create a row: readers sum the rows of an hour.
    initial = {"requests": 1, "latency_ms_total": elapsed_ms, "latency_ms_max": elapsed_ms,
               "slow": int(elapsed_ms > SLOW_MS)}
    if error:
        initial[error] = 1
    FlowEndpointStat.objects.create(hour=hour, flow_id=flow_id, phone_number_id=phone_number_id, **initial)
