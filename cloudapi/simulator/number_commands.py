"""Commands acting as Meta's side of phone numbers: display-name review, quality rating, the portfolio's
messaging limit, and the 72-hour register/deregister allowance. Each queues the webhook Meta sends
(docs/simulator.md "Webhooks"); register, deregister and code verification send none, as at Meta
(a two-step PIN change sends ``security`` PIN_CHANGED, from graph/phone_numbers.py)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from . import events, template_lifecycle
from .graph import phone_numbers, portfolio
from .state import Store

if TYPE_CHECKING:
    from .config import SimNumber, SimulatorConfig
    from .graph.context import Context
    from .graph.limits import Limits
    from .webhooks import Dispatcher

NAME_DECISIONS = ("APPROVED", "REJECTED", "DEFERRED", "PENDING")
QUALITY_RATINGS = ("GREEN", "YELLOW", "RED", "UNKNOWN")
_NEW_NAME_STATUS = {"REJECTED": "DECLINED", "DEFERRED": "PENDING_REVIEW", "PENDING": "PENDING_REVIEW"}


class NumberCommandsMixin:
    """``Simulator`` methods for phone numbers. Unknown ids raise ``KeyError``, bad values ``ValueError``."""

    config: SimulatorConfig
    _numbers: dict[str, SimNumber]
    _store: Store
    _lock: threading.RLock
    _limits: Limits
    _dispatcher: Dispatcher

    if TYPE_CHECKING:  # provided by Simulator
        def context(self, base_url: str | None = None) -> Context: ...

    def registration_limits(self, phone_number_id: str) -> dict[str, Any]:
        """What is left of the rolling 72 hours: ``{"register": {"used", "left"}, "deregister": {…},
        "locked_until"}`` (Unix seconds while a 133016 lock is on, else None)."""
        self._known(phone_number_id)
        return self._limits.registration_allowance(phone_number_id, now=self.config.clock())

    def number_state(self, phone_number_id: str) -> dict[str, Any]:
        """The number's Meta-side state (status, verification, quality, name, limits), as ``GET /{id}`` has it."""
        number = self._known(phone_number_id)
        with self._lock:
            state = dict(phone_numbers.state(self.context(), number))
        state.pop("code_requested", None)
        state.pop("pin_digest", None)
        state["verified_name"] = state.get("verified_name") or number.verified_name
        state[portfolio.NEW_LIMIT_FIELD] = portfolio.messaging_limit(self._store, number)
        return state

    def review_display_name(self, phone_number_id: str, requested_name: str, decision: str = "APPROVED",
                            rejection_reason: str | None = None) -> dict[str, Any]:
        """Meta's review of a new display name: APPROVED renames the number; each decision sends
        ``phone_number_name_update``. A rejection carries a ``NAME_*`` reason."""
        number = self._known(phone_number_id)
        if decision not in NAME_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(NAME_DECISIONS)}")
        if not requested_name.strip():
            raise ValueError("requested_name is required")
        if decision == "REJECTED" and not (rejection_reason or "").startswith("NAME_"):
            raise ValueError("A rejection needs a rejection_reason such as NAME_FORMAT_UNACCEPTABLE")
        changes: dict[str, Any] = ({"verified_name": requested_name, "name_status": "APPROVED",
                                    "new_name_status": "NONE"} if decision == "APPROVED"
                                   else {"new_name_status": _NEW_NAME_STATUS[decision]})
        value = events.name_update_value(number, requested_name=requested_name, decision=decision,
                                         rejection_reason=rejection_reason if decision == "REJECTED" else None)
        return self._change(number, changes, events.NAME_UPDATE_FIELD, value)

    def set_number_quality(self, phone_number_id: str, rating: str, pause_templates: bool = False) -> dict[str, Any]:
        """Change the quality rating; dropping to RED sends FLAGGED, leaving RED sends UNFLAGGED
        (``phone_number_quality_update``); other changes send nothing.

        With ``pause_templates`` a drop to RED also does what low-quality feedback does to the
        templates behind it: every APPROVED template of the number's WABA gets quality RED
        (``message_template_quality_update``) and is paused (``message_template_status_update``
        PAUSED, FIRST_PAUSE; sends answer 132015)."""
        number = self._known(phone_number_id)
        if rating not in QUALITY_RATINGS:
            raise ValueError(f"rating must be one of {', '.join(QUALITY_RATINGS)}")
        previous = self.number_state(phone_number_id)["quality_rating"]
        event = "FLAGGED" if rating == "RED" != previous else "UNFLAGGED" if previous == "RED" != rating else None
        value = None if event is None else events.quality_update_value(
            number, event=event, tier=portfolio.messaging_limit(self._store, number))
        changed = self._change(number, {"quality_rating": rating}, events.QUALITY_UPDATE_FIELD, value)
        if pause_templates and rating == "RED":
            now = self.config.clock()
            with self._lock:
                for template in self._store.list_objects("template", number.waba_id):
                    if template["status"] == "APPROVED":
                        template = template_lifecycle.set_quality(self._store, number, template, "RED", now=now)
                        template_lifecycle.pause(self._store, number, template, now=now)
            self._dispatcher.wake()
        return changed

    def set_messaging_limit(self, waba_id: str, tier: str) -> list[dict[str, Any]]:
        """Set the messaging limit of the portfolio owning ``waba_id`` (shared by all its numbers); each of
        the portfolio's WABAs gets ``business_capability_update``. Returns the numbers' new states."""
        numbers = [n for n in self._numbers.values() if n.waba_id == waba_id]
        if not numbers:
            raise KeyError(f"Unknown WABA {waba_id!r}")
        business = portfolio.business_id(numbers[0])
        members = [n for n in self._numbers.values() if portfolio.business_id(n) == business]
        now = self.config.clock()
        with self._lock:
            if portfolio.set_messaging_limit(self._store, numbers[0], tier, now=now) != tier:
                for waba in dict.fromkeys(n.waba_id for n in members):
                    first = next(n for n in members if n.waba_id == waba)
                    events.queue_event(self._store, first, events.CAPABILITY_FIELD,
                                       {"max_daily_conversations_per_business": tier}, now=now)
            for number in members:
                phone_numbers.state(self.context(), number)  # created with the legacy tier if new
                self._save(number, {"messaging_limit_tier": tier})
        self._dispatcher.wake()
        return [self.number_state(n.phone_number_id) for n in members]

    # -- internals -------------------------------------------------------------------------

    def _known(self, phone_number_id: str) -> SimNumber:
        number = self._numbers.get(phone_number_id)
        if number is None:
            raise KeyError(f"Unknown phone_number_id {phone_number_id!r}")
        return number

    def _change(self, number: SimNumber, changes: dict[str, Any], field: str,
                value: dict[str, Any] | None) -> dict[str, Any]:
        with self._lock:
            phone_numbers.state(self.context(), number)
            self._save(number, changes)
            if value is not None:
                events.queue_event(self._store, number, field, value, now=self.config.clock())
        self._dispatcher.wake()
        return self.number_state(number.phone_number_id)

    def _save(self, number: SimNumber, changes: dict[str, Any]) -> None:
        current = self._store.get("phone", number.phone_number_id) or {}
        self._store.put("phone", number.phone_number_id, {**current, **changes}, owner=number.waba_id)
