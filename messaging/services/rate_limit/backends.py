"""The two stores a limiter decision can be made in, atomically across every worker process.

Both keep the same state and answer the same four questions:

* ``acquire(buckets, budget, patience)`` — may one more message go now? Each bucket is one of two
  shapes: a **sliding window** (at most ``burst`` grants in any ``window`` seconds: a log of the
  grant times, in integer microseconds; what Meta's own throughput rule is, so a worker that fell
  behind catches up), or **GCRA** (the generic cell rate algorithm: one "theoretical arrival time"
  per bucket, evenly spaced with a burst; the pair rate). The budget is a moving-window set of
  unique members. All or nothing: either every bucket and the budget take the message, or nothing
  is taken and the answer says how long to wait (the longest of the waits) and which one said so.
  A wait longer than ``patience`` (the caller will go away and come back) takes a place in the
  bucket's **waiting line**: the answer is then when this caller's turn comes, one interval
  (``1 / per_second``) after the previous one's, so many messages told to come back are spread
  over their turns instead of all returning at once.
* ``confirm(decision)`` — Meta answered the send ``decision`` granted: its places in the windows
  move to now, so a place counts from when Meta had the request, not from our grant.
* ``penalise(bucket, …)`` — Meta said "too fast": nothing goes through this bucket for a pause
  that grows with each strike inside ``memory`` seconds (a window keeps a "blocked until" of its
  own; a GCRA bucket's arrival time is pushed out).
* ``usage(key, window)`` — how many unique members the budget holds now.

``RedisBackend`` runs each question as one Lua script on Redis's own clock (``TIME``), so every
machine shares one state and one clock (one Redis, not a Cluster: a script touches several keys);
a window is a sorted set of its grant times. ``FileBackend`` keeps the state in a small SQLite file
of its own (not the application's database), each decision in one ``BEGIN IMMEDIATE`` transaction:
SQLite's file lock serialises the worker processes of one machine, and keeping it apart from the
main database means the limiter never waits behind webhook writes (nor they behind it); a window
is a table of its numbered grant times.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Callable, Protocol

MICRO = 1_000_000
# How far ahead (seconds) a waiting line hands out turns; beyond it a caller just looks again
# then. Under the stale-work sweep's 10 minutes, and short enough for any broker to hold a countdown.
LINE_HORIZON = 300


@dataclass(frozen=True)
class Bucket:
    """Where one key's grants are counted, in one of two shapes.

    * ``window`` 0 (the default): GCRA, at most ``per_second`` grants a second, evenly spaced,
      ``burst`` of them at once (1: none).
    * ``window`` > 0 (build it with :meth:`sliding`): at most ``burst`` grants in any ``window``
      seconds, however they fall inside it; ``per_second`` is then ``burst / window``, the rate it
      holds in the long run, which spaces its waiting line.
    """

    key: str
    per_second: float
    burst: int = 1
    window: float = 0.0

    def __post_init__(self) -> None:
        if self.window and not math.isclose(self.per_second * self.window, self.burst, rel_tol=1e-9):
            raise ValueError("a windowed bucket's per_second is burst / window: build it with Bucket.sliding()")

    @classmethod
    def sliding(cls, key: str, count: int, window: float) -> Bucket:
        """At most ``count`` grants in any ``window`` seconds."""
        count = max(1, int(count))
        return cls(key, per_second=count / window, burst=count, window=window)

    @property
    def window_us(self) -> int:
        return round(self.window * MICRO)

    @property
    def interval_us(self) -> int:
        if self.window:
            return max(1, math.ceil(self.window_us / self.burst))
        return max(1, math.ceil(MICRO / self.per_second))

    @property
    def tolerance_us(self) -> int:
        return (max(1, self.burst) - 1) * self.interval_us


@dataclass(frozen=True)
class Budget:
    """At most ``limit`` distinct ``member`` values in any ``window`` seconds; one already counted is free."""

    key: str
    member: str
    limit: int
    window: int = 24 * 60 * 60


@dataclass(frozen=True)
class Decision:
    """``wait`` 0: granted (every bucket and the budget took it). Otherwise nothing was taken;
    ``blocked_by`` is the index of the bucket that wants the longest wait, or ``len(buckets)``
    for the budget. ``at`` is the limiter's clock (epoch seconds) when it decided."""

    wait: float
    at: float
    blocked_by: int = -1
    # The wait is this caller's own turn in the waiting line (see ``acquire``).
    turn: bool = False
    # Granted: the places taken in windows, for ``confirm`` (the store's own references).
    grants: tuple = ()

    @property
    def granted(self) -> bool:
        return self.wait <= 0


class LimiterUnavailable(Exception):
    """The limiter's store could not be reached: nothing may be sent until it answers."""


class Backend(Protocol):
    def acquire(self, buckets: list[Bucket], budget: Budget | None = None, patience: float | None = None) -> Decision: ...

    def confirm(self, decision: Decision) -> None: ...

    def penalise(self, bucket: Bucket, *, base: float, factor: float, cap: float, memory: float) -> float: ...

    def usage(self, key: str, window: int) -> int: ...

    def clear(self) -> None: ...


# --- Redis -----------------------------------------------------------------------------------

# KEYS: the buckets' keys, the budget's key (a dummy without a budget), each bucket's waiting-line
# key, each bucket's "blocked until" key (a window's penalty), then the grants' sequence. ARGV: the
# number of buckets; per bucket interval (µs), tolerance (µs), window (µs, 0: GCRA) and count;
# patience (µs, -1: none); the line's horizon (µs); then "1" member limit window(µs) for a budget,
# or "0". A window is a sorted set of its grants scored by their time; a member is "time-sequence",
# so two grants of one microsecond (or of a clock that stepped back) stay two.
# Numbers go to Redis through string.format('%d'): Lua's own tostring keeps 14 digits only.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[1])
local wait, blocked = 0, -1
local tats = {}
for i = 1, n do
  local a = 4 * i - 2
  local interval, tol = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local window, count = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local w
  if window > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', string.format('%d', now - window))
    local held = redis.call('ZCARD', KEYS[i])
    w = tonumber(redis.call('GET', KEYS[2 * n + 1 + i]) or '0') - now
    if held >= count then
      -- Full: wait until enough grants leave for one more (normally the oldest alone).
      local leaving = redis.call('ZRANGE', KEYS[i], held - count, held - count, 'WITHSCORES')
      local lw = tonumber(leaving[2]) + window - now
      if lw > w then w = lw end
    end
  else
    local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
    if tat < now then tat = now end
    w = tat - tol - now
    tats[i] = tat + interval
  end
  if w > wait then wait, blocked = w, i - 1 end
end
local b = 4 * n + 4
local patience, horizon = tonumber(ARGV[4 * n + 2]), tonumber(ARGV[4 * n + 3])
local newcomer = false
if ARGV[b] == '1' then
  local key, member = KEYS[n + 1], ARGV[b + 1]
  local limit, window = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%d', now - window))
  if not redis.call('ZSCORE', key, member) then
    if redis.call('ZCARD', key) >= limit then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      local w = tonumber(oldest[2]) + window - now
      if w > wait then wait, blocked = w, n end
    else
      newcomer = true
    end
  end
end
local turn = 0
if wait > 0 and patience >= 0 and wait > patience and blocked < n then
  -- The caller comes back later: give it the next turn in the blocking bucket's waiting line
  -- (if the line doesn't reach beyond the horizon; else it just looks again then).
  local lk = KEYS[n + 2 + blocked]
  local line = tonumber(redis.call('GET', lk) or '0')
  if line < now + wait then line = now + wait end
  if line - now <= horizon then
    wait, turn = line - now, 1
    local after = line + tonumber(ARGV[4 * blocked + 2])
    redis.call('SET', lk, string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
  elseif wait < horizon then
    wait = horizon
  end
end
if wait > 0 then return {string.format('%d', wait), string.format('%d', now), blocked, turn} end
local seq
for i = 1, n do
  local window = tonumber(ARGV[4 * i])
  if window > 0 then
    seq = seq or redis.call('INCR', KEYS[3 * n + 2])
    redis.call('ZADD', KEYS[i], string.format('%d', now), string.format('%d-%d', now, seq))
    redis.call('PEXPIRE', KEYS[i], math.ceil(window / 1000) + 1000)
  else
    redis.call('SET', KEYS[i], string.format('%d', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1000)
  end
end
if newcomer then
  local window = tonumber(ARGV[b + 3])
  redis.call('ZADD', KEYS[n + 1], string.format('%d', now), ARGV[b + 1])
  redis.call('PEXPIRE', KEYS[n + 1], math.ceil(window / 1000) + 1000)
end
return {'0', string.format('%d', now), -1, 0, seq and string.format('%d-%d', now, seq) or ''}
"""

# KEYS: the windows a grant took a place in. ARGV: the grant's member, then each window (µs).
# The place moves to now: when Meta answered, so at or after Meta counted the send.
_CONFIRM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', string.format('%d', now), ARGV[1]) then
    redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[i + 1]) / 1000) + 1000)
  end
end
return 1
"""

# KEYS: bucket, strikes, blocked-until. ARGV: tolerance µs, base µs, factor, cap µs, memory ms,
# "1" for a window (its blocked-until moves) or "0" for GCRA (its arrival time moves).
_PENALISE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local strikes = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local pause = math.min(tonumber(ARGV[2]) * tonumber(ARGV[3]) ^ (strikes - 1), tonumber(ARGV[4]))
local key, blocked = KEYS[1], now + pause + tonumber(ARGV[1])
if ARGV[6] == '1' then key, blocked = KEYS[3], now + pause end
local tat = tonumber(redis.call('GET', key) or '0')
if blocked > tat then tat = blocked end
redis.call('SET', key, string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return string.format('%d', pause)
"""

_USAGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - tonumber(ARGV[1])))
return redis.call('ZCARD', KEYS[1])
"""


class RedisBackend:
    """Every decision is one Lua script on Redis (atomic, on Redis's clock): shared by every machine."""

    def __init__(self, url: str, *, prefix: str = "switchboard:rl:") -> None:
        import redis  # only deployments with Redis need it loaded

        self._errors = (redis.RedisError,)
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._penalise = self._redis.register_script(_PENALISE)
        self._usage = self._redis.register_script(_USAGE)
        self._confirm = self._redis.register_script(_CONFIRM)

    def acquire(self, buckets: list[Bucket], budget: Budget | None = None, patience: float | None = None) -> Decision:
        keys = [self._key(b) for b in buckets]
        args: list = [len(buckets)]
        for b in buckets:
            args += [b.interval_us, b.tolerance_us, b.window_us, b.burst]
        args += [-1 if patience is None else round(patience * MICRO), LINE_HORIZON * MICRO]
        keys.append(self._prefix + (budget.key if budget is not None else "no-budget"))
        keys += [self._prefix + "line:" + b.key for b in buckets]
        keys += [self._prefix + "block:" + b.key for b in buckets]
        keys.append(self._prefix + "grant-seq")
        if budget is not None:
            args += ["1", budget.member, budget.limit, budget.window * MICRO]
        else:
            args.append("0")
        wait, now, blocked, turn, *member = self._call(self._acquire, keys, args)
        grants = ()
        if member and member[0]:
            member = member[0].decode() if isinstance(member[0], bytes) else str(member[0])
            grants = tuple((self._key(b), member, b.window_us) for b in buckets if b.window)
        return Decision(wait=int(wait) / MICRO, at=int(now) / MICRO, blocked_by=int(blocked), turn=bool(turn),
                        grants=grants)

    def confirm(self, decision: Decision) -> None:
        if decision.grants:
            keys = [key for key, _, _ in decision.grants]
            self._call(self._confirm, keys, [decision.grants[0][1], *(window for _, _, window in decision.grants)])

    def penalise(self, bucket: Bucket, *, base: float, factor: float, cap: float, memory: float) -> float:
        keys = [self._key(bucket), self._prefix + "strikes:" + bucket.key, self._prefix + "block:" + bucket.key]
        args = [bucket.tolerance_us, round(base * MICRO), factor, round(cap * MICRO), round(memory * 1000),
                "1" if bucket.window else "0"]
        return int(self._call(self._penalise, keys, args)) / MICRO

    def usage(self, key: str, window: int) -> int:
        return int(self._call(self._usage, [self._prefix + key], [window * MICRO]))

    def _key(self, bucket: Bucket) -> str:
        # A window's sorted set never shares a key with a GCRA bucket's arrival time (a string).
        return self._prefix + ("window:" if bucket.window else "") + bucket.key

    def clear(self) -> None:
        for key in self._redis.scan_iter(match=self._prefix + "*", count=1000):
            self._redis.delete(key)

    def _call(self, script, keys, args):
        try:
            return script(keys=keys, args=args)
        except self._errors as exc:
            raise LimiterUnavailable(f"Redis ({type(exc).__name__})") from exc


# --- One machine: a SQLite file of its own ---------------------------------------------------

OPEN_PATIENCE = 10.0  # seconds to keep trying to open the file while other processes set it up
SWEEP_EVERY = 60  # seconds between one process's sweeps of the grants gone out of their window
PURGE_EVERY = 64  # a window's log drops the grants older than its last ``count`` every this many grants

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, tat INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS strike (key TEXT PRIMARY KEY, n INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS member (key TEXT NOT NULL, member TEXT NOT NULL, at INTEGER NOT NULL,
                                   PRIMARY KEY (key, member)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS member_at ON member (key, at);
CREATE TABLE IF NOT EXISTS tally (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS grant_log (key TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
                                      expires INTEGER NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS grant_log_at ON grant_log (key, at);
"""


class FileBackend:
    """The worker processes of one machine share a SQLite file; each decision is one
    ``BEGIN IMMEDIATE`` transaction (SQLite's write lock), on this machine's clock."""

    def __init__(self, path: str, *, clock=time.time) -> None:
        self._path = str(path)
        self._clock = clock
        self._local = threading.local()
        self._next_sweep = 0

    @property
    def opened(self) -> bool:
        """Whether this thread has used the file yet."""
        return getattr(self._local, "db", None) is not None

    def _conn(self) -> sqlite3.Connection:
        # One connection per thread (web threads read usage), and none crosses a fork (Celery's
        # prefork pool forks after import).
        local = self._local
        if getattr(local, "db", None) is None or local.pid != os.getpid():
            local.db, local.pid = self._open(), os.getpid()
        return local.db

    def _open(self) -> sqlite3.Connection:
        # Several processes opening a new file at once (a prefork pool starting) race to switch it to
        # WAL and create the tables; SQLite answers "locked" at once there, without waiting for its
        # busy timeout: try again for a few seconds before calling the limiter unavailable.
        deadline = time.monotonic() + OPEN_PATIENCE
        while True:
            try:
                db = sqlite3.connect(self._path, timeout=30, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                return db
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise LimiterUnavailable(f"the rate limit file {self._path} ({exc})") from exc
                time.sleep(0.05)
            except sqlite3.Error as exc:
                raise LimiterUnavailable(f"the rate limit file {self._path} ({exc})") from exc

    def _now(self) -> int:
        return int(self._clock() * MICRO)

    def _transaction(self, work):
        db = self._conn()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work(db, self._now())  # the clock is read once the lock is held
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return result
        except sqlite3.Error as exc:
            raise LimiterUnavailable(f"the rate limit file {self._path} ({exc})") from exc

    def acquire(self, buckets: list[Bucket], budget: Budget | None = None, patience: float | None = None) -> Decision:
        def work(db: sqlite3.Connection, now: int) -> Decision:
            self._sweep(db, now)
            wait, blocked, writes = 0, -1, []
            for index, b in enumerate(buckets):
                bucket_wait, write = (self._window if b.window else self._gcra)(db, b, now)
                if bucket_wait > wait:
                    wait, blocked = bucket_wait, index
                writes.append(write)
            newcomer = False
            if budget is not None:
                used = self._purge(db, budget.key, now - budget.window * MICRO)
                known = db.execute("SELECT 1 FROM member WHERE key = ? AND member = ?",
                                   (budget.key, budget.member)).fetchone()
                if not known:
                    if used >= budget.limit:
                        oldest = db.execute("SELECT MIN(at) FROM member WHERE key = ?", (budget.key,)).fetchone()[0]
                        budget_wait = oldest + budget.window * MICRO - now
                        if budget_wait > wait:
                            wait, blocked = budget_wait, len(buckets)
                    else:
                        newcomer = True
            turn = False
            if wait > 0 and patience is not None and wait > patience * MICRO and blocked < len(buckets):
                wait, turn = self._take_turn_in_line(db, buckets[blocked], now, wait)
            grants = tuple(grant for grant in (write(wait <= 0) for write in writes) if grant)
            if wait > 0:
                return Decision(wait=wait / MICRO, at=now / MICRO, blocked_by=blocked, turn=turn)
            if newcomer:
                db.execute("INSERT INTO member (key, member, at) VALUES (?, ?, ?)", (budget.key, budget.member, now))
                db.execute("INSERT INTO tally (key, n) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1",
                           (budget.key,))
            return Decision(wait=0.0, at=now / MICRO, grants=grants)

        return self._transaction(work)

    def confirm(self, decision: Decision) -> None:
        if not decision.grants:
            return

        def work(db: sqlite3.Connection, now: int) -> None:
            db.executemany("UPDATE grant_log SET at = ?, expires = ? WHERE key = ? AND seq = ?",
                           [(now, now + window, key, seq) for key, seq, window in decision.grants])

        self._transaction(work)

    def penalise(self, bucket: Bucket, *, base: float, factor: float, cap: float, memory: float) -> float:
        def work(db: sqlite3.Connection, now: int) -> float:
            row = db.execute("SELECT n, expires FROM strike WHERE key = ?", (bucket.key,)).fetchone()
            strikes = (row[0] if row and row[1] > now else 0) + 1
            db.execute("INSERT INTO strike (key, n, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                       "SET n = excluded.n, expires = excluded.expires", (bucket.key, strikes, now + int(memory * MICRO)))
            pause = min(round(base * MICRO) * factor ** (strikes - 1), round(cap * MICRO))
            if bucket.window:  # a window's "blocked until"
                key, blocked = "block:" + bucket.key, int(now + pause)
            else:  # a GCRA bucket's arrival time
                key, blocked = bucket.key, int(now + pause + bucket.tolerance_us)
            db.execute("INSERT INTO bucket (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                       "SET tat = MAX(tat, excluded.tat)", (key, blocked))
            return pause / MICRO

        return self._transaction(work)

    def usage(self, key: str, window: int) -> int:
        return self._transaction(lambda db, now: self._purge(db, key, now - window * MICRO))

    def clear(self) -> None:
        def work(db: sqlite3.Connection, now: int) -> None:
            for table in ("bucket", "strike", "member", "tally", "grant_log"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed table names

        self._transaction(work)

    def _sweep(self, db: sqlite3.Connection, now: int) -> None:
        """Forget the grants that left their window: a finished campaign's window would otherwise
        keep its last ``count`` grant times for ever (Redis lets such keys expire)."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY * MICRO
        db.execute("DELETE FROM grant_log WHERE expires <= ?", (now,))

    @staticmethod
    def _gcra(db: sqlite3.Connection, bucket: Bucket, now: int) -> tuple[int, Callable[[bool], None]]:
        """The wait GCRA asks for, and what to write once the decision is made (granted or not)."""
        row = db.execute("SELECT tat FROM bucket WHERE key = ?", (bucket.key,)).fetchone()
        tat = max(row[0] if row else 0, now)

        def write(granted: bool) -> None:
            if granted:
                db.execute("INSERT INTO bucket (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                           "SET tat = excluded.tat", (bucket.key, tat + bucket.interval_us))

        return tat - bucket.tolerance_us - now, write

    @staticmethod
    def _window(db: sqlite3.Connection, bucket: Bucket, now: int) -> tuple[int, Callable[[bool], tuple | None]]:
        """The wait until ``bucket``'s window has room for one more grant (and its penalty is over),
        and what to write once the decision is made (a granted place's reference, for ``confirm``).

        The grants inside the window are counted by time (a confirmed grant moved later, so their
        order by number is not their order by time); when full, one more may go once enough of the
        oldest have left. Numbered (``seq``) so grants of one microsecond stay apart."""
        cutoff = now - bucket.window_us
        held, last, blocked = db.execute(
            "SELECT (SELECT COUNT(*) FROM grant_log WHERE key = ?1 AND at > ?2), "
            "(SELECT MAX(seq) FROM grant_log WHERE key = ?1), (SELECT tat FROM bucket WHERE key = ?3)",
            (bucket.key, cutoff, "block:" + bucket.key)).fetchone()
        wait = (blocked or 0) - now
        if held >= bucket.burst:
            (leaving,) = db.execute("SELECT at FROM grant_log WHERE key = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
                                    (bucket.key, cutoff, held - bucket.burst)).fetchone()
            wait = max(wait, leaving + bucket.window_us - now)
        seq = (last or 0) + 1

        def write(granted: bool) -> tuple | None:
            if not granted:
                return None
            db.execute("INSERT INTO grant_log (key, seq, at, expires) VALUES (?, ?, ?, ?)",
                       (bucket.key, seq, now, now + bucket.window_us))
            if seq % PURGE_EVERY == 0:
                db.execute("DELETE FROM grant_log WHERE key = ? AND at <= ?", (bucket.key, cutoff))
            return bucket.key, seq, bucket.window_us

        return wait, write

    @staticmethod
    def _take_turn_in_line(db: sqlite3.Connection, bucket: Bucket, now: int, wait: int) -> tuple[int, bool]:
        key = "line:" + bucket.key
        row = db.execute("SELECT tat FROM bucket WHERE key = ?", (key,)).fetchone()
        turn = max(row[0] if row else 0, now + wait)
        if turn - now > LINE_HORIZON * MICRO:
            return max(wait, LINE_HORIZON * MICRO), False  # the line is full: look again then
        db.execute("INSERT INTO bucket (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                   (key, turn + bucket.interval_us))
        return turn - now, True

    @staticmethod
    def _purge(db: sqlite3.Connection, key: str, cutoff: int) -> int:
        """Forget members counted before ``cutoff``; return how many remain (kept in ``tally``)."""
        gone = db.execute("DELETE FROM member WHERE key = ? AND at <= ?", (key, cutoff)).rowcount
        row = db.execute("SELECT n FROM tally WHERE key = ?", (key,)).fetchone()
        used = max(0, (row[0] if row else 0) - gone)
        if gone:
            db.execute("UPDATE tally SET n = ? WHERE key = ?", (used, key))
        return used
