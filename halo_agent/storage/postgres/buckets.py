"""HTTP rate-limit buckets in PostgreSQL: one row per key, updated under its row lock, so every worker
on every host draws from the same bucket. On the pool whose commits do not wait for the disk: a database
crash in the next moment may refill a bucket a little, nothing worse."""

from __future__ import annotations

import time
from collections.abc import Callable

from halo_agent.storage.buckets import refill_and_take
from halo_agent.storage.postgres.db import Pool


class PostgresBuckets:
    def __init__(self, pool: Pool, *, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool
        self._clock = clock

    def take(self, key: str, *, rate: float, capacity: float) -> float | None:
        with self.pool.connection() as conn, conn.transaction():
            now = self._clock()
            conn.execute("INSERT INTO http_buckets (key, tokens, stamp) VALUES (%s, %s, %s) "
                         "ON CONFLICT (key) DO NOTHING", (key, capacity, now))  # fmt: skip
            row = conn.execute(
                "SELECT tokens, stamp FROM http_buckets WHERE key = %s FOR UPDATE", (key,)
            ).fetchone()
            assert row is not None  # inserted above if it was missing
            tokens, wait = refill_and_take(float(row[0]), float(row[1]), now, rate=rate, capacity=capacity)
            conn.execute("UPDATE http_buckets SET tokens = %s, stamp = %s WHERE key = %s", (tokens, now, key))
        return wait

    def close(self) -> None:
        return None
