"""The rate limiter's two stores, each run the same way: sliding windows (the number and a
campaign's cap), GCRA buckets (the pair rate), the unique-customer budget, penalties, the waiting
line, and several processes hammering one number (never above the limit in any second).

The Redis store needs a Redis on 127.0.0.1 (``RATE_LIMIT_TEST_REDIS_URL`` to point elsewhere); it is
skipped without one unless SWITCHBOARD_REQUIRE_SERVICES is set.
"""

import multiprocessing
import os
import random
import sqlite3
import statistics
import time
import uuid

import pytest

from messaging.services.rate_limit import paced
from messaging.services.rate_limit.backends import (
    LINE_HORIZON, PURGE_EVERY, SWEEP_EVERY, Budget, Bucket, FileBackend, LimiterUnavailable, RedisBackend,
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


def test_a_window_gives_an_idle_caller_its_whole_count_at_once_then_waits_for_the_oldest_to_leave(make_store):
    store = make_store()
    bucket = Bucket.sliding("number:1", count=5, window=0.5)

    decisions = [store.acquire([bucket]) for _ in range(6)]

    assert [d.granted for d in decisions] == [True] * 5 + [False]
    # The sixth waits until the first grant is half a second old (less the time the calls took).
    assert decisions[5].wait == pytest.approx(0.5 - (decisions[5].at - decisions[0].at), abs=1e-3)
    assert not store.acquire([bucket]).granted  # still never a sixth in the window


def test_a_caller_that_fell_behind_catches_up_within_the_window(make_store):
    store = make_store()
    bucket = Bucket.sliding("number:1", count=3, window=0.3)
    first = store.acquire([bucket])
    time.sleep(0.1)  # the worker was busy with other work

    caught_up = [store.acquire([bucket]) for _ in range(2)]  # the gap is not lost: both go at once
    full = store.acquire([bucket])
    time.sleep(full.wait)
    after_first_left = store.acquire([bucket])
    next_wait = store.acquire([bucket])

    assert first.granted and all(d.granted for d in caught_up)
    assert not full.granted and full.wait == pytest.approx(first.at + 0.3 - full.at, abs=1e-3)
    assert after_first_left.granted
    # Then the next place frees when the second grant leaves, 0.3 s after it.
    assert not next_wait.granted and next_wait.wait == pytest.approx(caught_up[0].at + 0.3 - next_wait.at, abs=1e-3)


def test_a_place_counts_from_when_meta_answered_not_from_the_grant(make_store):
    # The first send's request reached Meta late (a busy process, a slow call): its place frees a full
    # window after the answer, so the next send can't land less than a window after it at Meta.
    store = make_store()
    bucket = Bucket.sliding("number:1", count=2, window=0.4)
    slow, quick = store.acquire([bucket]), store.acquire([bucket])
    time.sleep(0.2)
    store.confirm(slow)  # Meta answered the slow one only now
    store.confirm(quick)  # (the quick one's answer came back at once; confirmed late here: harmless)

    time.sleep(max(0.0, slow.at + 0.4 - time.time()) + 0.02)  # a window after the grants
    still_full = store.acquire([bucket])

    assert slow.granted and quick.granted and len(slow.grants) == 1
    assert not still_full.granted  # both places moved on with their answers
    assert still_full.wait == pytest.approx(0.2, abs=0.06)


def test_a_gcra_grant_has_nothing_to_confirm(make_store):
    store = make_store()
    decision = store.acquire([Bucket("pair:1:2", 1 / 6, burst=20)])

    store.confirm(decision)

    assert decision.granted and decision.grants == ()


def test_a_window_counts_grants_of_the_same_microsecond_and_frees_them_exactly_a_window_later(tmp_path):
    now = [1_000_000.0]
    store = FileBackend(str(tmp_path / "limits.sqlite3"), clock=lambda: now[0])
    bucket = Bucket.sliding("number:1", count=3, window=1)

    at_once = [store.acquire([bucket]) for _ in range(4)]
    now[0] += 1

    assert [d.granted for d in at_once] == [True, True, True, False] and at_once[3].wait == 1
    assert [store.acquire([bucket]).granted for _ in range(4)] == [True, True, True, False]


def test_the_file_keeps_only_a_window_s_last_grants_and_forgets_windows_gone_idle(tmp_path):
    # A number's log would otherwise grow at every send, and a finished campaign's window keep its
    # last grant times for ever (Redis expires its keys).
    now = [1_000_000.0]
    path = str(tmp_path / "limits.sqlite3")
    store = FileBackend(path, clock=lambda: now[0])
    number, campaign = Bucket.sliding("number:1", count=80, window=1), Bucket.sliding("group:1:c", count=80, window=1)
    for _ in range(1000):
        assert store.acquire([number, campaign]).granted
        now[0] += 1 / 79

    def rows() -> dict[str, int]:
        with sqlite3.connect(path) as db:
            return dict(db.execute("SELECT key, COUNT(*) FROM grant_log GROUP BY key").fetchall())

    assert all(80 <= n < 80 + PURGE_EVERY for n in rows().values())
    now[0] += SWEEP_EVERY
    assert store.acquire([number]).granted
    assert rows() == {"number:1": 1}


def test_a_gcra_bucket_spaces_grants_evenly_and_says_how_long_to_wait(make_store):
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
    number, group = Bucket.sliding("number:1", count=2, window=1), Bucket.sliding("group:1:c", count=1, window=1)
    pair = Bucket("pair:1:1", per_second=1 / 6, burst=2)
    assert store.acquire([number, group, pair]).granted

    refused = store.acquire([number, group, pair])

    assert not refused.granted and refused.blocked_by == 1
    # Neither the number's window nor the pair took anything for the refused message: each has
    # exactly one place left, for a send outside the group.
    assert store.acquire([number]).granted and not store.acquire([number]).granted
    assert store.acquire([pair]).granted and not store.acquire([pair]).granted


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


@pytest.mark.parametrize("bucket", [paced("number:1", 80), Bucket("pair:1:1", per_second=1 / 6, burst=20)],
                         ids=["window", "gcra"])
def test_a_penalty_stops_the_bucket_for_longer_at_each_strike(make_store, bucket):
    store = make_store()
    shape = dict(base=1, factor=2, cap=3, memory=60)

    pauses = [store.penalise(bucket, **shape) for _ in range(3)]
    blocked = store.acquire([bucket])

    assert pauses == [1, 2, 3]  # doubling, capped
    assert not blocked.granted and 2.9 < blocked.wait <= 3  # though the bucket itself has room


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


def test_callers_who_come_back_later_get_turns_one_place_of_the_window_apart(make_store):
    store = make_store()
    bucket = Bucket.sliding("group:1:c", count=2, window=1)  # a place every 0.5 s in the long run
    assert store.acquire([bucket]).granted and store.acquire([bucket]).granted

    told = [store.acquire([bucket], patience=0.5) for _ in range(3)]
    sleeper = store.acquire([bucket], patience=2)

    assert [d.turn for d in told] == [True, True, True]
    assert [round(d.wait * 2) / 2 for d in told] == [1, 1.5, 2]  # from when the window frees, 0.5 s apart
    assert not sleeper.turn and 0.9 < sleeper.wait <= 1


@pytest.mark.parametrize("bucket", [Bucket("group:1:slow", per_second=3 / LINE_HORIZON),
                                    Bucket.sliding("group:1:slow", count=1, window=LINE_HORIZON / 3)],
                         ids=["gcra", "window"])
def test_the_waiting_line_hands_out_turns_only_up_to_its_horizon(make_store, bucket):
    store = make_store()  # three turns fit in the horizon
    assert store.acquire([bucket]).granted
    turns = [store.acquire([bucket], patience=0) for _ in range(4)]

    assert [d.turn for d in turns] == [True, True, True, False]
    assert turns[-1].wait == LINE_HORIZON  # look again then


RATE = 60  # paced: never more than 60 in any 1 s and the margin
RUN_FOR = 1.5  # two windows' worth: the second as soon as the first grants leave the window


def _hammer(make_store, key: str, until: float) -> list[float]:
    store = make_store()
    bucket = paced(key, RATE)
    granted = []
    while time.time() < until:
        decision = store.acquire([bucket])
        if decision.granted:
            granted.append(decision.at)  # the limiter's own clock when it granted
            # Like a worker: the call to Meta, and now and then other work (dispatching, webhooks).
            time.sleep(0.05 if len(granted) % 10 == 0 else random.uniform(0, 0.004))
        else:
            time.sleep(min(decision.wait, max(0.0, until - time.time())))  # as the send path does
    return granted


def _budget_hammer(make_store, key: str, worker: int) -> int:
    store = make_store()
    return sum(store.acquire([], Budget(key, member=f"{worker}-{i}", limit=30)).granted for i in range(40))


def test_processes_hammering_one_number_never_get_more_than_its_limit_in_any_second(make_store):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        until = time.time() + RUN_FOR
        results = pool.starmap(_hammer, [(make_store, "number:hammered", until)] * 4)

    grants = sorted(at for result in results for at in result)
    window = paced("number:hammered", RATE).window  # 1 s and the margin
    # Any RATE + 1 consecutive grants span at least the window: no 1-second window (sliding, not
    # only aligned on the second) holds more than RATE.
    spans = [grants[i + RATE] - grants[i] for i in range(len(grants) - RATE)]
    assert spans and min(spans) >= window - 1e-6 > 1.0
    # And the limit is reached despite the workers' gaps: each place is taken again soon after it
    # leaves the window (loosely: the machine running the tests may be busy).
    assert len(grants) >= 2 * RATE * 0.9
    assert statistics.median(spans) < window + 0.05
    assert all(result for result in results)  # every process got its share


def test_processes_filling_one_budget_take_exactly_its_limit(make_store):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        granted = pool.starmap(_budget_hammer, [(make_store, "portfolio:hammered", worker) for worker in range(4)])

    assert sum(granted) == 30
    assert make_store().usage("portfolio:hammered", 86400) == 30


@pytest.mark.parametrize("limit, count, window", [(80, 80, 1.005), (1000, 1000, 1.005), (7.6, 7, 1.005), (0.5, 1, 2.005)])
def test_a_paced_bucket_is_a_window_of_one_second_and_the_margin(limit, count, window):
    bucket = paced("number:1", limit)
    assert (bucket.burst, bucket.window) == (count, pytest.approx(window))  # the most any 1-second window holds


def test_the_window_margin_is_a_setting(settings):
    settings.RATE_LIMIT_WINDOW_MARGIN = 0.05
    assert paced("number:1", 80).window == pytest.approx(1.05)


def _open_and_take(path: str, key: str) -> bool:
    return FileBackend(path).acquire([Bucket(key, per_second=1)]).granted


def test_a_pool_of_processes_opening_a_new_file_at_once_all_get_the_limiter(tmp_path):
    # A prefork pool starting: every process sets the new file up at the same moment; none may find
    # the limiter "unavailable" (its message would wait for nothing).
    path = str(tmp_path / "fresh.sqlite3")
    with multiprocessing.get_context("fork").Pool(8) as pool:
        granted = pool.starmap(_open_and_take, [(path, f"number:{n}") for n in range(16)])

    assert granted == [True] * 16
