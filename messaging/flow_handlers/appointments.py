"""The example "appointment booking" handler: free slots of the flow's account, booked by flow token.

Screens (the Flow JSON is ``appointment_flow.json`` beside this module):

* ``DATE``: ``INIT`` (and ``BACK`` from TIME, which has ``refresh_on_back``) offer ``dates`` — the days with a free slot in the next
  ``days_ahead`` days (config, default 14) as ``[{id: "2026-12-02", title: "Wed 2 Dec"}]``.
* ``TIME``: ``data_exchange`` from DATE with ``{date}`` offers that day's free ``times``
  (``[{id: <slot id>, title: "09:30 Dr Rao"}]``) and echoes ``date``.
* ``data_exchange`` from TIME with ``{time}`` books the slot (if nobody took it meanwhile) and
  ends the flow: ``SUCCESS`` with ``params {flow_token, appointment, starts_at}``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import AppointmentSlot
from .registry import FlowExchange, FlowHandlerError, success

FLOW_JSON = Path(__file__).with_name("appointment_flow.json")
DEFAULT_DAYS_AHEAD = 14
MAX_OPTIONS = 50


def handle(exchange: FlowExchange) -> dict[str, Any]:
    if exchange.action in ("INIT", "BACK"):  # BACK from TIME (refresh_on_back): fresh dates
        return _dates(exchange)
    if exchange.screen == "DATE":
        return _times(exchange, str(exchange.data.get("date") or ""))
    if exchange.screen == "TIME":
        return _book(exchange, exchange.data.get("time"))
    raise FlowHandlerError("Please start again.", screen="DATE", data=_dates(exchange)["data"])


def config_errors(config: Any) -> list[str]:
    if not isinstance(config, dict):
        return ["The configuration must be a JSON object."]
    days = config.get("days_ahead", DEFAULT_DAYS_AHEAD)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        return ['"days_ahead" must be a whole number of days from 1 to 365.']
    return []


def _free(exchange: FlowExchange):
    days = exchange.config.get("days_ahead", DEFAULT_DAYS_AHEAD) if isinstance(exchange.config, dict) else None
    days = days if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 365 else DEFAULT_DAYS_AHEAD
    now = timezone.now()
    return AppointmentSlot.objects.filter(account_id=exchange.flow.account_id, booked_by__isnull=True,
                                          starts_at__gt=now, starts_at__lte=now + timedelta(days=days))


def _dates(exchange: FlowExchange) -> dict[str, Any]:
    days = sorted({timezone.localtime(starts).date() for starts in _free(exchange).values_list("starts_at", flat=True)})
    dates = [{"id": day.isoformat(), "title": day.strftime("%a %-d %b")} for day in days[:MAX_OPTIONS]]
    if not dates:
        raise FlowHandlerError("Sorry, there is no free time in the coming days.", screen="DATE",
                               data={"dates": [], "has_dates": False})
    return {"screen": "DATE", "data": {"dates": dates, "has_dates": True}}


def _times(exchange: FlowExchange, day_text: str) -> dict[str, Any]:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise FlowHandlerError("Please choose a date.", screen="DATE", data=_dates(exchange)["data"]) from None
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    slots = _free(exchange).filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))[:MAX_OPTIONS]
    times = [{"id": str(slot.pk), "title": f"{timezone.localtime(slot.starts_at):%H:%M} {slot.label}".strip()}
             for slot in slots]
    if not times:
        raise FlowHandlerError("That day is fully booked now: please choose another.", screen="DATE",
                               data=_dates(exchange)["data"])
    return {"screen": "TIME", "data": {"date": day.isoformat(), "date_label": day.strftime("%A %-d %B"),
                                       "times": times}}


def _book(exchange: FlowExchange, slot_id: Any) -> dict[str, Any]:
    if not str(slot_id or "").isdigit():
        raise FlowHandlerError("Please choose a time.", screen="TIME")
    with transaction.atomic():
        taken = _free(exchange).filter(pk=int(slot_id)).update(booked_by=exchange.token, booked_at=timezone.now())
        if not taken:
            raise FlowHandlerError("Sorry, that time was just taken: please choose another.", screen="DATE",
                                   data=_dates(exchange)["data"])
        slot = AppointmentSlot.objects.get(pk=int(slot_id))
    return success(exchange, appointment=str(slot.pk), starts_at=slot.starts_at.isoformat())
