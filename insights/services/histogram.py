"""Durations as log-spaced histogram buckets, so a period's median and p90 come from per-day rows.

Bucket ``b`` holds durations in [2^(b/8), 2^((b+1)/8)) seconds (bucket 0 also holds anything under
a second): eight buckets per doubling, each about 9 % wide, so a percentile read back from the
buckets (the bucket's geometric middle) is within about 4.5 % of the exact one. Thirty days is
bucket 171; nothing is ever longer than the rollup's 30-day look-back.
"""

import math
from collections.abc import Iterable

STEPS_PER_DOUBLING = 8


def bucket_of(seconds: float) -> int:
    if seconds < 1:
        return 0
    return int(math.floor(math.log2(seconds) * STEPS_PER_DOUBLING))


def bucket_value(bucket: int) -> float:
    """The duration (seconds) a bucket stands for: its geometric middle."""
    return 2 ** ((bucket + 0.5) / STEPS_PER_DOUBLING)


def percentile(counts: dict[int, int], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` 0.5 = median, 0.9 = p90) of a histogram, in seconds;
    None when it holds nothing."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return bucket_value(bucket)
    return None  # unreachable: the loop reaches the total


def merge(rows: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(bucket, count) pairs summed per bucket."""
    counts: dict[int, int] = {}
    for bucket, count in rows:
        counts[bucket] = counts.get(bucket, 0) + count
    return counts
