"""The rate limiter's two stores, each run the same way: GCRA buckets, the unique-customer
budget, penalties, and several processes hammering one key (never above the limit in any second).

The Redis store needs a Redis on 127.0.0.1 (``RATE_LIMIT_TEST_REDIS_URL`` to point elsewhere); it is
skipped without one unless SWITCHBOARD_REQUIRE_SERVICES is set.
"""

import multiprocessing
import os
import time
import uuid

import pytest

from messaging.services.rate_limit import paced
from messaging.services.rate_limit.backends import (
    LINE_HORIZON, Budget, Bucket, FileBackend, LimiterUnavailable, RedisBackend,
)

from ..conftest import skip_unless_required

REDIS_URL = os.environ.get("RATE_LIMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Opener:
    """Opens the store anew (picklable, so a child process opens its own connection to the same state)."""

    def __init__(self, kind: str, where: str) -> None:
        self.kind, self.where = kind, where

    def __call__(self):
        if self.kind == "file":
            return FileBackend(self.where)
        return RedisBackend(REDIS_URL, prefix=self.where)


@pytest.fixture(params=["file", "redis"])
def make_store(request, tmp_path):
    if request.param == "file":
        yield Opener("file", str(tmp_path / "limits.sqlite3"))
        return
    opener = Opener("redis", f"switchboard-test:{uuid.uuid4().hex}:")
    store = opener()
    try:
        store.usage("probe", 1)
    except LimiterUnavailable:
        skip_unless_required(f"needs a Redis at {REDIS_URL}", required_by="SWITCHBOARD_REQUIRE_SERVICES")
    yield opener
    store.clear()


def test_it_spaces_grants_evenly_and_says_how_long_to_wait(make_store):
    store = make_store()
    bucket = Bucket("number:1", per_second=5)

    first, second = store.acquire([bucket]), store.acquire([bucket])

    assert first.granted
    assert not second.granted
    assert 0.15 < second.wait <= 0.2


def test_a_burst_goes_at_once_then_the_rate_holds(make_store):
    store = make_store()
    pair = Bucket("pair:1:1", per_second=1 / 6, burst=3)

    decisions = [store.acquire([pair]) for _ in range(4)]

    assert [d.granted for d in decisions] == [True, True, True, False]
    # The fourth waits 6 s from the first (less the time the four calls took).
    assert decisions[3].wait == pytest.approx(6 - (decisions[3].at - decisions[0].at), abs=1e-3)


def test_it_takes_all_or_nothing(make_store):
    store = make_store()
    number, group = Bucket("number:1", per_second=100, burst=2), Bucket("group:1:c", per_second=1)
    assert store.acquire([number, group]).granted

    refused = store.acquire([number, group])

    assert not refused.granted and refused.blocked_by == 1
    # The number's bucket took nothing for the refused message: a send outside the group goes at once.
    assert store.acquire([number]).granted


def test_the_budget_counts_each_customer_once(make_store):
    store = make_store()

    def budget(member):
        return Budget("portfolio:p", member=member, limit=2, window=3600)

    assert store.acquire([], budget("a")).granted
    assert store.acquire([], budget("b")).granted
    refused = store.acquire([], budget("c"))
    again = store.acquire([], budget("a"))

    assert not refused.granted and refused.blocked_by == 0 and 3590 < refused.wait <= 3600
    assert again.granted  # already counted in the window: free
    assert store.usage("portfolio:p", 3600) == 2


def test_the_budget_frees_a_place_when_the_oldest_customer_leaves_the_window(tmp_path):
    now = [1_000_000.0]
    store = FileBackend(str(tmp_path / "limits.sqlite3"), clock=lambda: now[0])
    budget = lambda member: Budget("portfolio:p", member=member, limit=1, window=86400)  # noqa: E731
    assert store.acquire([], budget("a")).granted
    assert not store.acquire([], budget("b")).granted

    now[0] += 86400 + 1

    assert store.acquire([], budget("b")).granted
    assert store.usage("portfolio:p", 86400) == 1


def test_a_penalty_stops_the_bucket_for_longer_at_each_strike(make_store):
    store = make_store()
    bucket = Bucket("number:1", per_second=80)
    shape = dict(base=1, factor=2, cap=3, memory=60)

    pauses = [store.penalise(bucket, **shape) for _ in range(3)]
    blocked = store.acquire([bucket])

    assert pauses == [1, 2, 3]  # doubling, capped
    assert not blocked.granted and 2.9 < blocked.wait <= 3


def test_an_unreachable_redis_says_so():
    store = RedisBackend("redis://127.0.0.1:1/0")
    with pytest.raises(LimiterUnavailable, match="Redis"):
        store.acquire([Bucket("number:1", per_second=1)])


def test_callers_who_come_back_later_get_one_turn_each_in_the_waiting_line(make_store):
    store = make_store()
    bucket = Bucket("group:1:c", per_second=1)
    assert store.acquire([bucket]).granted

    told = [store.acquire([bucket], patience=0.5) for _ in range(3)]
    sleeper = store.acquire([bucket], patience=2)  # will sleep, not come back: no turn taken

    assert [d.turn for d in told] == [True, True, True]
    assert [round(d.wait) for d in told] == [1, 2, 3]  # spread over their turns, not all at 1 s
    assert not sleeper.turn and 0.9 < sleeper.wait <= 1


def test_the_waiting_line_hands_out_turns_only_up_to_its_horizon(make_store):
    store = make_store()
    bucket = Bucket("group:1:slow", per_second=3 / LINE_HORIZON)  # three turns fit in the horizon
    assert store.acquire([bucket]).granted
    turns = [store.acquire([bucket], patience=0) for _ in range(4)]

    assert [d.turn for d in turns] == [True, True, True, False]
    assert turns[-1].wait == LINE_HORIZON  # look again then


RATE = 60  # paced: 59/s with a burst of 2, never more than 60 in any second
RUN_FOR = 1.5


def _hammer(make_store, key: str, until: float) -> list[float]:
    store = make_store()
    bucket = paced(key, RATE)
    granted = []
    while time.time() < until:
        decision = store.acquire([bucket])
        if decision.granted:
            granted.append(decision.at)  # the limiter's own clock when it granted
        else:
            time.sleep(decision.wait)  # as the send path does
    return granted


def _budget_hammer(make_store, key: str, worker: int) -> int:
    store = make_store()
    return sum(store.acquire([], Budget(key, member=f"{worker}-{i}", limit=30)).granted for i in range(40))


def test_processes_hammering_one_number_never_get_more_than_its_limit_in_any_second(make_store):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        until = time.time() + RUN_FOR
        results = pool.starmap(_hammer, [(make_store, "number:hammered", until)] * 4)

    grants = sorted(at for result in results for at in result)
    # Any RATE + 1 consecutive grants span at least a second: no 1-second window holds more than RATE.
    assert all(grants[i + RATE] - grants[i] >= 1.0 - 1e-6 for i in range(len(grants) - RATE))
    per_window: dict[int, int] = {}
    for at in grants:
        per_window[int(at)] = per_window.get(int(at), 0) + 1
    assert max(per_window.values()) <= RATE
    span = grants[-1] - grants[0]
    # And the limit is reached, not just respected (loosely: the machine running the tests may be busy).
    assert span > 1 and len(grants) - 1 >= RATE * span * 0.8
    assert all(result for result in results)  # every process got its share


def test_processes_filling_one_budget_take_exactly_its_limit(make_store):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        granted = pool.starmap(_budget_hammer, [(make_store, "portfolio:hammered", worker) for worker in range(4)])

    assert sum(granted) == 30
    assert make_store().usage("portfolio:hammered", 86400) == 30


@pytest.mark.parametrize("limit, per_second, burst", [(80, 79, 2), (1000, 990, 11), (20, 20, 1), (1, 1, 1)])
def test_a_paced_bucket_lends_one_percent_back_as_a_burst(limit, per_second, burst):
    bucket = paced("number:1", limit)
    assert (bucket.per_second, bucket.burst) == (per_second, burst)
    assert bucket.per_second + bucket.burst - 1 == limit  # the most any 1-second window can hold


def _open_and_take(path: str, key: str) -> bool:
    return FileBackend(path).acquire([Bucket(key, per_second=1)]).granted


def test_a_pool_of_processes_opening_a_new_file_at_once_all_get_the_limiter(tmp_path):
    # A prefork pool starting: every process sets the new file up at the same moment; none may find
    # the limiter "unavailable" (its message would wait for nothing).
    path = str(tmp_path / "fresh.sqlite3")
    with multiprocessing.get_context("fork").Pool(8) as pool:
        granted = pool.starmap(_open_and_take, [(path, f"number:{n}") for n in range(16)])

    assert granted == [True] * 16
