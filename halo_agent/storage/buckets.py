"""Token buckets for the HTTP per-user rate limit: in memory (one process) or in the state database
(every process on one data directory; PostgreSQL has its own in `storage/postgres`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from halo_agent.storage.sqlite_files import open_state_file

_MAX_BUCKETS = 10_000  # idle full buckets are forgotten past this, so memory stays bounded
_SCHEMA = """CREATE TABLE IF NOT EXISTS http_buckets (
    key TEXT PRIMARY KEY, tokens REAL NOT NULL, stamp REAL NOT NULL)"""


def refill_and_take(
    tokens: float, stamp: float, now: float, *, rate: float, capacity: float
) -> tuple[float, float | None]:
    """The bucket's tokens after refilling since `stamp` and taking one if there is one, and the wait
    (None when a token was taken)."""
    tokens = min(capacity, tokens + max(now - stamp, 0.0) * rate)
    if tokens >= 1.0:
        return tokens - 1.0, None
    return tokens, (1.0 - tokens) / rate


class MemoryBuckets:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, *, rate: float, capacity: float) -> float | None:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now, capacity / rate)
            bucket = (capacity, now)
        tokens, wait = refill_and_take(*bucket, now, rate=rate, capacity=capacity)
        self._buckets[key] = (tokens, now)
        return wait

    def close(self) -> None:
        self._buckets.clear()

    def _forget_idle(self, now: float, refill_seconds: float) -> None:
        if len(self._buckets) < _MAX_BUCKETS:
            return
        for key in [k for k, (_, stamp) in self._buckets.items() if now - stamp >= refill_seconds]:
            del self._buckets[key]


class SqliteBuckets:
    """One row per key in the state database; read-modify-write under `BEGIN IMMEDIATE`."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._db = open_state_file(path)
        self._db.execute(_SCHEMA)

    def take(self, key: str, *, rate: float, capacity: float) -> float | None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = self._clock()
                row = self._db.execute(
                    "SELECT tokens, stamp FROM http_buckets WHERE key = ?", (key,)
                ).fetchone()
                tokens, stamp = (float(row[0]), float(row[1])) if row else (capacity, now)
                tokens, wait = refill_and_take(tokens, stamp, now, rate=rate, capacity=capacity)
                self._db.execute("INSERT OR REPLACE INTO http_buckets (key, tokens, stamp) VALUES (?, ?, ?)",
                                 (key, tokens, now))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return wait

    def close(self) -> None:
        with self._lock:
            self._db.close()
