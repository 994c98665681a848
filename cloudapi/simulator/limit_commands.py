"""Commands for the limits a campaign meets (docs/simulator.md "Limits"): a number's throughput
(STANDARD 80 / HIGH 1,000 mps), customers who opted out of marketing or reached their marketing cap,
the per-user cap itself, and templates held for quality assessment. Each queues the webhook Meta
sends, if any."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from . import events, webhooks
from .graph import phone_numbers, portfolio
from .graph.messages import marketing_key
from .state import Store

if TYPE_CHECKING:
    from .config import SimNumber, SimulatorConfig
    from .graph.context import Context
    from .webhooks import Dispatcher

THROUGHPUT_LEVELS = {"STANDARD": 80, "HIGH": 1000}
HOLD_OUTCOMES = ("release", "drop")
USER_PREFERENCES_FIELD = "user_preferences"
_PREFERENCE_DETAILS = {"stop": "User requested to stop marketing messages",
                       "resume": "User requested to resume marketing messages"}


class LimitCommandsMixin:
    """``Simulator`` methods for throughput, marketing preferences and caps, and quality holds.
    Unknown ids raise ``KeyError``, bad values ``ValueError``."""

    config: SimulatorConfig
    _numbers: dict[str, SimNumber]
    _store: Store
    _lock: threading.RLock
    _dispatcher: Dispatcher

    if TYPE_CHECKING:  # provided by Simulator and its other mixins
        def context(self, base_url: str | None = None) -> Context: ...

        def _known(self, phone_number_id: str) -> SimNumber: ...

        def number_state(self, phone_number_id: str) -> dict[str, Any]: ...

        def _save(self, number: SimNumber, changes: dict[str, Any]) -> None: ...

    def set_throughput(self, phone_number_id: str, level: str | None = None, mps: int | None = None) -> dict[str, Any]:
        """Set the number's throughput: ``level`` STANDARD (80 mps) or HIGH (1,000 mps), or any ``mps``.

        Going to HIGH sends ``phone_number_quality_update`` THROUGHPUT_UPGRADE, as Meta's automatic
        upgrade does; ``GET /{id}?fields=throughput`` answers the level."""
        number = self._known(phone_number_id)
        if level is None and mps is None:
            raise ValueError("give a level (STANDARD or HIGH) or mps")
        if level is not None and level not in THROUGHPUT_LEVELS:
            raise ValueError(f"level must be one of {', '.join(THROUGHPUT_LEVELS)}")
        if mps is not None and (isinstance(mps, bool) or not isinstance(mps, int) or mps < 1):
            raise ValueError("mps must be a whole number of at least 1")
        new_mps = mps if mps is not None else THROUGHPUT_LEVELS[str(level)]
        new_level = level or ("HIGH" if new_mps >= THROUGHPUT_LEVELS["HIGH"] else "STANDARD")
        now = self.config.clock()
        with self._lock:
            previous = phone_numbers.state(self.context(), number)["throughput"]["level"]
            number.mps = new_mps
            self._save(number, {"throughput": {"level": new_level}})
            if new_level == "HIGH" != previous:
                events.queue_event(self._store, number, events.QUALITY_UPDATE_FIELD, events.quality_update_value(
                    number, event="THROUGHPUT_UPGRADE", tier=portfolio.messaging_limit(self._store, number)), now=now)
        self._dispatcher.wake()
        return {**self.number_state(phone_number_id), "mps": number.mps}

    def set_marketing_opt_out(self, wa_id: str, opted_out: bool = True,
                              phone_number_id: str | None = None) -> dict[str, Any]:
        """The customer stops (or resumes) marketing messages from the number's business: the
        ``user_preferences`` webhook is sent, and while stopped its marketing templates fail with 131050."""
        number = self._known(phone_number_id) if phone_number_id else next(iter(self._numbers.values()))
        wa_id = _wa_id(wa_id)
        now = self.config.clock()
        value = "stop" if opted_out else "resume"
        with self._lock:
            if opted_out:
                self._store.put("marketing_optout", marketing_key(number, wa_id), {"wa_id": wa_id}, created=now)
            else:
                self._store.delete("marketing_optout", marketing_key(number, wa_id))
            payload = webhooks.envelope(number, {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": number.display_phone_number,
                             "phone_number_id": number.phone_number_id},
                "contacts": [{"wa_id": wa_id}],
                USER_PREFERENCES_FIELD: [{"wa_id": wa_id, "detail": _PREFERENCE_DETAILS[value],
                                          "category": "marketing_messages", "value": value, "timestamp": int(now)}],
            }, field=USER_PREFERENCES_FIELD)
            webhooks.queue(self._store, number, payload, due=now, now=now)
        self._dispatcher.wake()
        return {"wa_id": wa_id, "phone_number_id": number.phone_number_id, "marketing": value}

    def set_marketing_limited(self, wa_id: str, limited: bool = True) -> dict[str, Any]:
        """Mark a customer as having reached their per-user marketing cap: their marketing templates are
        accepted, then fail with 131049 in the status webhook (False undoes it)."""
        wa_id = _wa_id(wa_id)
        if limited:
            self._store.put("marketing_limited", wa_id, {"wa_id": wa_id}, created=self.config.clock())
        else:
            self._store.delete("marketing_limited", wa_id)
        return {"wa_id": wa_id, "marketing_limited": limited}

    def set_marketing_limit(self, per_user: int | None) -> dict[str, Any]:
        """At most ``per_user`` marketing templates delivered to one customer per 24 h (None: no cap)."""
        if per_user is not None and (isinstance(per_user, bool) or not isinstance(per_user, int) or per_user < 0):
            raise ValueError("per_user must be a whole number (or null for no cap)")
        self.config.marketing_per_user_limit = per_user
        return {"marketing_per_user_limit": per_user}

    def hold_template(self, template_id: str, outcome: str | None = "release") -> dict[str, Any]:
        """Sends of this template answer ``message_status: held_for_quality_assessment``; then each is
        released (statuses come a little later) or, with ``drop``, fails with 132015. None lifts the hold."""
        if outcome is not None and outcome not in HOLD_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(HOLD_OUTCOMES)} (or null to lift the hold)")
        with self._lock:
            template = self._store.get("template", str(template_id))
            if template is None:
                raise KeyError(f"No template {template_id}")
            template = {**template, "quality_hold": outcome}
            self._store.put("template", template["id"], template, owner=template["waba_id"])
        return template


def _wa_id(wa_id: Any) -> str:
    if not isinstance(wa_id, str) or not wa_id.isdigit() or not 7 <= len(wa_id) <= 15:
        raise ValueError("wa_id is required: the customer's number in digits")
    return wa_id
