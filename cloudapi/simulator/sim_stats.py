"""What a benchmark asks the simulator after a run: how fast one number's sends were accepted (per
second, and the most in any sliding 1-second window), every attempt including the refused ones, and
duplicates by ``biz_opaque_callback_data`` (``GET /_sim/sends``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .config import SimNumber
from .graph.limits import Limits
from .state import Store


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most of ``times`` (sorted) inside any window of ``window`` seconds, [t, t + window)."""
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def per_second(times: list[float]) -> dict[str, int]:
    """Counts per whole Unix second, as ``{"1750000000": 80, …}``."""
    return {str(second): n for second, n in sorted(Counter(int(at) for at in times).items())}


def send_report(store: Store, limits: Limits, number: SimNumber, *, since: float | None = None) -> dict[str, Any]:
    """The report of ``Simulator.send_report`` (see docs/simulator.md "Inspecting sends")."""
    rows = store.sent_times(number.phone_number_id, since=since)
    accepted = [at for at, _ in rows]
    callbacks = Counter(data for _, data in rows if data is not None)
    stats = limits.send_stats(number.phone_number_id)
    attempts = [at for at in stats["attempts"] if since is None or at >= since]  # type: ignore[attr-defined]
    first, last = (accepted[0], accepted[-1]) if accepted else (None, None)
    return {
        "phone_number_id": number.phone_number_id,
        "mps": number.mps,
        "accepted": len(accepted),
        "first": first,
        "last": last,
        "per_second": per_second(accepted),
        "max_in_any_second": max_in_window(accepted),
        "attempts": len(attempts),
        "max_attempts_in_any_second": max_in_window(attempts),
        "refused": stats["refused"],
        "with_callback_data": sum(callbacks.values()),
        "duplicates": {data: n for data, n in callbacks.items() if n > 1},
    }
