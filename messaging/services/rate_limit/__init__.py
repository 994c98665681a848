"""The send path's rate limiter, shared by every worker process (and, on Redis, every machine).

Consulted by ``deliver_messages`` just before each call to Meta's send endpoint, so console
replies, template sends and campaigns share one budget per number (docs/rate-limits.md):

* **the number's throughput**: 80 messages/s (1,000 once Meta upgraded it:
  ``PhoneNumber.throughput_level == "HIGH"``), never more in any 1-second window: a sliding window
  (``paced``), as Meta counts, so a worker that fell behind catches up;
* **a rate group's cap**: messages with the same ``Message.rate_group`` (a campaign) share at most
  ``Message.rate_cap`` messages in any 1-second window (never more than the number's throughput);
* **the pair rate**: about one message every 6 s to one customer from one number (GCRA), with a
  burst of ``PAIR_BURST`` so an operator's quick replies never wait;
* **the portfolio's messaging limit**: unique customers reached outside a service window in any
  24 h, shared by every number of the business portfolio (``BusinessAccount.messaging_limit_tier``);
  a customer whose window is open, or already counted in the last 24 h, costs nothing.

Reading the limits (for campaign dry runs and pages):

* ``limit_for(phone_number, rate_cap=None) -> int`` — messages/s a send from this number (capped
  by ``rate_cap``) goes at.
* ``portfolio_limit(account) -> int | None`` — the portfolio's unique-customer limit (None: unlimited
  or not known yet).
* ``portfolio_usage(account) -> (used, limit | None)`` — unique customers counted in the last 24 h.

The send path's verbs: ``acquire_for(message, patience=…)`` (a :class:`~.backends.Decision`; granted
means the message took its place in every bucket; a wait beyond ``patience`` is a turn in the
blocking bucket's waiting line), ``answered(decision)`` (Meta answered the send: its places count
from now), ``penalise_number`` / ``penalise_pair`` (Meta answered 130429 / 131056 / 131057, see
``backoff``), and ``waiting_reason(message, decision)``.

The store (``backend()``) is Redis when ``RATE_LIMIT_REDIS_URL`` is set, else a SQLite file of its
own (``RATE_LIMIT_FILE``), correct across the processes of one machine only.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from .backends import Backend, Budget, Bucket, Decision, FileBackend, LimiterUnavailable, RedisBackend

__all__ = [
    "Decision", "LimiterUnavailable", "acquire_for", "answered", "backend", "limit_for", "penalise_number",
    "penalise_pair", "paced", "portfolio_limit", "portfolio_usage", "waiting_reason",
]

STANDARD_MPS = 80
HIGH_MPS = 1000
PAIR_SECONDS = 6  # Meta: one message per 6 s to the same customer …
PAIR_BURST = 20  # … with bursts borrowing from later (Meta allows up to 45 in 6 s; we stay well below)
DAY = 24 * 60 * 60

# Meta's max_daily_conversations_per_business (and the older per-number names): unique customers
# outside a service window per moving 24 h. Unlimited or unknown (blank, NOT_SET): not enforced.
TIER_LIMITS = {
    "TIER_50": 50, "TIER_250": 250, "TIER_1K": 1_000, "TIER_2K": 2_000, "TIER_10K": 10_000, "TIER_100K": 100_000,
}


@lru_cache(maxsize=1)
def _backend_for(redis_url: str, path: str) -> Backend:
    if redis_url:
        return RedisBackend(redis_url)
    return FileBackend(path)


def backend() -> Backend:
    """The configured store (one per process, reused)."""
    return _backend_for(settings.RATE_LIMIT_REDIS_URL, str(settings.RATE_LIMIT_FILE))


def limit_for(phone_number, rate_cap: int | None = None) -> int:
    """Messages per second from ``phone_number``: its throughput, or ``rate_cap`` if lower."""
    level = (phone_number.throughput_level or "").upper()
    limit = HIGH_MPS if level == "HIGH" else STANDARD_MPS
    if rate_cap:
        limit = min(limit, int(rate_cap))
    return max(1, limit)


def portfolio_limit(account) -> int | None:
    """The portfolio's unique-customer limit per 24 h, or None (unlimited, or Meta hasn't said)."""
    return TIER_LIMITS.get((account.messaging_limit_tier or "").upper())


def portfolio_usage(account) -> tuple[int, int | None]:
    """(unique customers counted in the last 24 h outside a service window, the limit or None)."""
    return backend().usage(_portfolio_key(account), DAY), portfolio_limit(account)


def acquire_for(message, *, patience: float | None = None) -> Decision:
    """Take ``message``'s place in every bucket that applies to it, or learn how long to wait.

    A wait longer than ``patience`` seconds (the caller will come back rather than sleep) is the
    time of the message's turn in the waiting line. ``message`` needs ``conversation__contact`` and
    ``conversation__phone_number__account`` loaded. Raises :class:`LimiterUnavailable` when the
    store can't be reached (then nothing is sent).
    """
    conversation = message.conversation
    phone = conversation.phone_number
    buckets = _buckets_for(message)
    budget = None
    limit = portfolio_limit(phone.account)
    if limit is not None and not conversation.window_is_open():
        budget = Budget(key=_portfolio_key(phone.account), member=conversation.contact.wa_id, limit=limit, window=DAY)
    return backend().acquire(buckets, budget, patience)


def answered(decision: Decision) -> None:
    """Meta answered the send ``decision`` granted: its places in the windows count from now.

    Meta counts a send when it takes it, some time after our grant (the call's latency, a busy
    process). Moved to when Meta answered — at or after Meta counted it — a place frees only a full
    window after Meta's count, however late the request went out: no 1-second window at Meta can
    hold more than the limit. Raises :class:`LimiterUnavailable` when the store can't be reached.
    """
    backend().confirm(decision)


def penalise_number(phone_number, *, base: float, factor: float, cap: float, memory: float) -> float:
    """Nothing goes from this number for a pause (``base`` × ``factor``^(strikes−1), at most ``cap``); returns it."""
    return backend().penalise(_number_bucket(phone_number), base=base, factor=factor, cap=cap, memory=memory)


def penalise_pair(phone_number, wa_id: str, *, base: float, factor: float, cap: float, memory: float) -> float:
    """Nothing goes from this number to this customer for a growing pause; returns it."""
    return backend().penalise(_pair_bucket(phone_number, wa_id), base=base, factor=factor, cap=cap, memory=memory)


def waiting_reason(message, decision: Decision) -> str:
    """Why ``message`` waits, in the operator's words (shown on the queued message)."""
    kinds = [kind for kind, _ in _described_buckets(message)]
    phone = message.conversation.phone_number
    if decision.blocked_by >= len(kinds):
        limit = portfolio_limit(phone.account)
        frees = timezone.localtime(timezone.now() + timedelta(seconds=decision.wait)).strftime("%d %b %H:%M")
        return (f"Waiting: the business portfolio reached its messaging limit ({limit:,} customers outside a service "
                f"window in 24 hours); the next place frees up about {frees}.")
    kind = kinds[decision.blocked_by] if decision.blocked_by >= 0 else "number"
    if kind == "group":
        return f"Waiting: this send is capped at {_per_second(limit_for(phone, message.rate_cap))}."
    if kind == "pair":
        return "Waiting: WhatsApp allows about one message every 6 seconds to the same customer."
    return f"Waiting: the number sends at most {_per_second(limit_for(phone))}."


def _per_second(count: int) -> str:
    return f"{count:,} message{'' if count == 1 else 's'} a second"


def _described_buckets(message) -> list[tuple[str, Bucket]]:
    phone = message.conversation.phone_number
    headroom = float(getattr(settings, "RATE_LIMIT_HEADROOM", 1.0))
    found = [("number", _number_bucket(phone))]
    if message.rate_group:
        cap = limit_for(phone, message.rate_cap)
        found.append(("group", paced(f"group:{phone.phone_number_id}:{message.rate_group}", cap * headroom)))
    found.append(("pair", _pair_bucket(phone, message.conversation.contact.wa_id)))
    return found


def _buckets_for(message) -> list[Bucket]:
    return [bucket for _, bucket in _described_buckets(message)]


def _number_bucket(phone_number) -> Bucket:
    headroom = float(getattr(settings, "RATE_LIMIT_HEADROOM", 1.0))
    return paced(f"number:{phone_number.phone_number_id}", limit_for(phone_number) * headroom)


def paced(key: str, per_second: float, *, margin: float | None = None) -> Bucket:
    """A window that never grants more than ``per_second`` (whole messages, at least 1) in any
    second, however late a worker comes: what Meta counts (at most N accepted in any 1 s).

    The window is 1 s (``1 / per_second`` below 1/s) plus ``margin`` seconds
    (``RATE_LIMIT_WINDOW_MARGIN``, 0.005) for the clocks; the call's latency is covered by moving
    each place to when Meta answered (``answered``). At 80/s: 80 in any 1.005 s. Not GCRA (or a token
    bucket): with a burst of ``b`` at ``r``/s it lets ``r + b`` into one second, so to stay under
    the limit it must lose every gap a busy worker leaves; a window lets the worker catch up.
    """
    if margin is None:
        margin = float(getattr(settings, "RATE_LIMIT_WINDOW_MARGIN", 0.005))
    count = max(1, int(per_second))
    return Bucket.sliding(key, count, max(1.0, count / per_second) + margin)


def _pair_bucket(phone_number, wa_id: str) -> Bucket:
    return Bucket(f"pair:{phone_number.phone_number_id}:{wa_id}", 1 / PAIR_SECONDS, burst=PAIR_BURST)


def _portfolio_key(account) -> str:
    portfolio = account.owner_business_id or f"waba-{account.waba_id}"
    return f"portfolio:{portfolio}"
