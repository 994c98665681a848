"""What the send path does with each answer of Meta's that means "not now" (docs/rate-limits.md).

``classify(error)`` gives one of:

* ``SLOW_NUMBER`` — 130429, the number's throughput was exceeded: the number's bucket stops for
  1 s, doubling with every further strike within a minute (at most 60 s); the message waits.
* ``SLOW_PAIR`` — 131056, too many messages to this customer: their pair bucket stops for
  4^X s (X = strikes within an hour: 4, 16, 64 … at most 1,024 s), as Meta asks; the message waits.
* ``WAIT_NUMBER`` — 131057, the number is in maintenance (Meta's throughput upgrade takes under a
  minute): the number stops for 15 s; the message waits.
* ``RETRY`` — 5xx, network errors, 131000, 131016 and the other retryable codes of
  ``cloudapi.errors``: retried with the task's exponential backoff, ``SEND_MAX_RETRIES`` times.
* ``FINAL`` — everything else, among them 132015 / 132016 (template paused / disabled) and the
  codes of a number whose quality dropped: the message fails with Meta's code and reason, never
  retried (the campaign engine pauses its campaign on them).

A wait is not a failed try: it does not use the retry budget. A message Meta keeps throttling
(``MAX_THROTTLED`` answers) falls back to the retry budget, so nothing loops for ever.

131049 (per-customer marketing limit) only ever arrives in a failed status webhook: the message
is failed then, and ``marketing_limits`` keeps marketing templates from the customer for 24 h.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudapi.errors import CloudApiError

SLOW_NUMBER, SLOW_PAIR, WAIT_NUMBER, RETRY, FINAL = "slow_number", "slow_pair", "wait_number", "retry", "final"

THROUGHPUT_CODE, PAIR_CODE, MAINTENANCE_CODE = 130429, 131056, 131057
MAX_THROTTLED = 20


@dataclass(frozen=True)
class Pause:
    """The penalty's shape: ``base`` × ``factor`` ^ (strikes − 1) seconds, at most ``cap``; strikes
    are forgotten ``memory`` seconds after the last one."""

    base: float
    factor: float
    cap: float
    memory: float


PAUSES = {
    SLOW_NUMBER: Pause(base=1, factor=2, cap=60, memory=60),
    SLOW_PAIR: Pause(base=4, factor=4, cap=1024, memory=60 * 60),
    WAIT_NUMBER: Pause(base=15, factor=1, cap=15, memory=60),
}
_BY_CODE = {THROUGHPUT_CODE: SLOW_NUMBER, PAIR_CODE: SLOW_PAIR, MAINTENANCE_CODE: WAIT_NUMBER}
THROTTLE_CODES = frozenset(_BY_CODE)


def classify(error: CloudApiError) -> str:
    """One of ``SLOW_NUMBER``, ``SLOW_PAIR``, ``WAIT_NUMBER``, ``RETRY``, ``FINAL``."""
    if error.code in _BY_CODE:
        return _BY_CODE[error.code]
    return RETRY if error.retryable else FINAL
