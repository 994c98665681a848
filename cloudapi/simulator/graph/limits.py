"""Rate limits: per-number throughput, per-customer pair rate, per-user marketing caps and the
portfolio's messaging limit (in memory, like Meta's short windows; a restart forgets them), and the
hourly/daily limits on management calls, template creations and edits and registrations (kept in
the store so they survive a restart)."""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict, deque

from ..config import DAY, SimNumber, SimulatorConfig
from ..events import iso_time
from ..state import Store
from .errors import GraphError, graph_error, rate_limited_waba

HOUR = 3600.0
REGISTRATION_LIMIT = 10
REGISTRATION_WINDOW = 72 * HOUR
_REGISTRATION_KINDS = {"register": "registration:register", "deregister": "registration:deregister"}


class SlidingWindow:
    """Counts events per key over the last ``window`` seconds."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def count(self, key: str, *, now: float, window: float) -> int:
        """Events for ``key`` in (now - window, now]."""
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - window:
                events.popleft()
            return len(events)

    def add(self, key: str, *, now: float) -> None:
        """Record one event."""
        with self._lock:
            self._events[key].append(now)

    def clear(self) -> None:
        """Forget every event."""
        with self._lock:
            self._events.clear()


class TokenBuckets:
    """One bucket per key holding up to ``capacity`` tokens, refilled one per ``interval`` seconds."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float, capacity: int, interval: float) -> bool:
        """Take one token if there is one (True); else leave the bucket as it is (False)."""
        with self._lock:
            tokens, at = self._buckets.get(key, (float(capacity), now))
            tokens = min(float(capacity), tokens + max(0.0, now - at) / interval) if interval > 0 else capacity
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True

    def clear(self) -> None:
        """Full buckets again."""
        with self._lock:
            self._buckets.clear()


class UniqueUsers:
    """Unique customers per key (a business portfolio) over a moving window: a customer counts from
    their latest counted message until ``window`` seconds after it."""

    def __init__(self) -> None:
        self._last: dict[str, OrderedDict[str, float]] = defaultdict(OrderedDict)
        self._lock = threading.Lock()

    def count(self, key: str, *, now: float, window: float) -> int:
        with self._lock:
            return len(self._pruned(key, now, window))

    def contains(self, key: str, user: str, *, now: float, window: float) -> bool:
        with self._lock:
            return user in self._pruned(key, now, window)

    def add(self, key: str, user: str, *, now: float) -> None:
        with self._lock:
            users = self._last[key]
            users[user] = now
            users.move_to_end(user)

    def _pruned(self, key: str, now: float, window: float) -> OrderedDict[str, float]:
        users = self._last[key]
        while users:
            user, at = next(iter(users.items()))
            if at > now - window:
                break
            del users[user]
        return users

    def clear(self) -> None:
        with self._lock:
            self._last.clear()


class Limits:
    """Meta's rate limits, with thresholds from the config.

    Also what a benchmark asks afterwards (``send_stats``): every send attempt's time per number
    (accepted or refused) and how many were refused with each code.
    """

    def __init__(self, store: Store, config: SimulatorConfig) -> None:
        self._store = store
        self._config = config
        self._throughput = SlidingWindow()
        self._pairs = TokenBuckets()
        self._marketing = SlidingWindow()
        self.portfolio_users = UniqueUsers()
        self._attempts: dict[str, list[float]] = defaultdict(list)
        self._refusals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def reset(self) -> None:
        """Forget the in-memory windows (the persisted events go with the store's reset)."""
        self._throughput.clear()
        self._pairs.clear()
        self._marketing.clear()
        self.portfolio_users.clear()
        self._attempts.clear()
        self._refusals.clear()

    def check_send(self, number: SimNumber, wa_id: str, *, now: float) -> None:
        """Raise 130429 over the number's mps or 131056 over the pair rate; else count the send.

        Throughput is a sliding window: at most ``mps`` accepted sends in any ``throughput_window``
        (1 s). The pair rate is a token bucket, as Meta describes it: a burst of ``pair_rate_limit``
        (45), then one message per ``pair_rate_window`` (6 s) to the same customer.
        """
        config = self._config
        self._attempts[number.phone_number_id].append(now)
        if self._throughput.count(number.phone_number_id, now=now, window=config.throughput_window) >= number.mps:
            self._refusals[number.phone_number_id][130429] += 1
            raise graph_error(
                400, 130429, "(#130429) Rate limit hit",
                f"Cloud API message throughput ({number.mps} messages per second) has been reached.",
            )
        pair = f"{number.phone_number_id}:{wa_id}"
        if not self._pairs.take(pair, now=now, capacity=config.pair_rate_limit, interval=config.pair_rate_window):
            self._refusals[number.phone_number_id][131056] += 1
            raise graph_error(
                400, 131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number "
                "to the same phone number in a short period of time.",
            )
        self._throughput.add(number.phone_number_id, now=now)

    def send_stats(self, phone_number_id: str) -> dict[str, object]:
        """Attempt times (accepted and refused, oldest first) and refusals by code for one number."""
        return {"attempts": list(self._attempts.get(phone_number_id, ())),
                "refused": {str(code): n for code, n in self._refusals.get(phone_number_id, {}).items()}}

    def marketing_received(self, wa_id: str, *, now: float) -> int:
        """Marketing templates delivered to this customer in the last 24 hours (any business)."""
        return self._marketing.count(wa_id, now=now, window=DAY)

    def count_marketing(self, wa_id: str, *, now: float) -> None:
        """Count a marketing template delivered to the customer."""
        self._marketing.add(wa_id, now=now)

    def count_management_call(self, waba_id: str, *, now: float) -> None:
        """Count a WABA management call; 80007 once the hourly limit is used up."""
        self._hourly("management", waba_id, self._config.management_rate_limit, now=now,
                     details=f"Management calls are limited to {self._config.management_rate_limit} per hour "
                     "per WhatsApp Business Account.")

    def count_template_creation(self, waba_id: str, *, now: float) -> None:
        """Count a template creation; 80007 after ``template_create_limit`` in an hour."""
        self._hourly("template_create", waba_id, self._config.template_create_limit, now=now,
                     details=f"Message template creation is limited to {self._config.template_create_limit} "
                     "per hour per WhatsApp Business Account.")

    def count_registration(self, phone_number_id: str, *, action: str, now: float) -> None:
        """Count a ``register`` or ``deregister`` call: 10 of each per rolling 72 hours; the 11th answers
        133016 and locks the number (both actions) for 72 hours."""
        locked_until = self.registration_locked_until(phone_number_id, now=now)
        if locked_until is not None:
            raise _registration_locked(f"This phone number is locked for register and deregister requests "
                                       f"until {iso_time(locked_until)}.")
        if self._store.count_events(_REGISTRATION_KINDS[action], phone_number_id,
                                    since=now - REGISTRATION_WINDOW) >= REGISTRATION_LIMIT:
            self._store.add_event("registration_lock", phone_number_id, at=now, keep=REGISTRATION_WINDOW)
            raise _registration_locked(f"Too many {action} requests for this phone number: at most "
                                       f"{REGISTRATION_LIMIT} in 72 hours. It is locked for 72 hours.")
        self._store.add_event(_REGISTRATION_KINDS[action], phone_number_id, at=now, keep=REGISTRATION_WINDOW)

    def registration_locked_until(self, phone_number_id: str, *, now: float) -> float | None:
        """When the 72-hour lock after a 133016 ends, if it is on."""
        locked_at = self._store.last_event("registration_lock", phone_number_id)
        if locked_at is None or locked_at + REGISTRATION_WINDOW <= now:
            return None
        return locked_at + REGISTRATION_WINDOW

    def registration_allowance(self, phone_number_id: str, *, now: float) -> dict[str, object]:
        """``{"register": {"used", "left"}, "deregister": {"used", "left"}, "locked_until"}`` over the last 72 h."""
        allowance: dict[str, object] = {}
        for action, kind in _REGISTRATION_KINDS.items():
            used = self._store.count_events(kind, phone_number_id, since=now - REGISTRATION_WINDOW)
            allowance[action] = {"used": used, "left": max(REGISTRATION_LIMIT - used, 0)}
        allowance["locked_until"] = self.registration_locked_until(phone_number_id, now=now)
        return allowance

    def check_template_edit(self, template_id: str, *, now: float) -> None:
        """An approved template may be edited once per 24 hours and 10 times per 30 days (100 otherwise)."""
        if self._store.count_events("template_edit", template_id, since=now - DAY) >= 1:
            raise _edit_limit("Approved templates can be edited once every 24 hours.")
        if self._store.count_events("template_edit", template_id, since=now - 30 * DAY) >= 10:
            raise _edit_limit("Approved templates can be edited up to 10 times in 30 days.")

    def count_template_edit(self, template_id: str, *, now: float) -> None:
        """Record an edit of an approved template."""
        self._store.add_event("template_edit", template_id, at=now, keep=30 * DAY)

    def _hourly(self, kind: str, key: str, limit: int, *, now: float, details: str) -> None:
        if self._store.count_events(kind, key, since=now - HOUR) >= limit:
            raise rate_limited_waba(details)
        self._store.add_event(kind, key, at=now, keep=HOUR)


def _registration_locked(details: str) -> GraphError:
    return graph_error(400, 133016, "(#133016) Account register deregister rate limit exceeded", details)


def _edit_limit(details: str) -> GraphError:
    return graph_error(400, 100, "(#100) Invalid parameter", details,
                       user_title="Edit limit reached", user_msg=details)
