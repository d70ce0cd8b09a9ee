"""HTTP rate-limit buckets in PostgreSQL: one row per key, refilled and taken from by one upsert under
its row lock, so every worker on every host draws from the same bucket in one round trip. Commits do not
wait for the disk (db.py): a database crash in the next moment may refill a bucket a little, nothing
worse."""

from __future__ import annotations

import time
from collections.abc import Callable

from halo_agent.storage.buckets import refill_and_take
from halo_agent.storage.postgres.db import Pool

_REFILLED = "least(%(capacity)s, b.tokens + greatest(%(now)s - b.stamp, 0) * %(rate)s)"
# A new bucket starts full (capacity >= 1) and gives its first token. A refused take changes nothing:
# the refill is linear and below the capacity, so the row read later gives the same wait.
_TAKE = f"""
INSERT INTO http_buckets AS b (key, tokens, stamp) VALUES (%(key)s, %(capacity)s - 1, %(now)s)
ON CONFLICT (key) DO UPDATE SET tokens = {_REFILLED} - 1, stamp = %(now)s WHERE {_REFILLED} >= 1
RETURNING tokens"""


class PostgresBuckets:
    def __init__(self, pool: Pool, *, clock: Callable[[], float] = time.time) -> None:
        self.pool = pool
        self._clock = clock

    def take(self, key: str, *, rate: float, capacity: float) -> float | None:
        now = self._clock()
        with self.pool.connection() as conn:
            params = {"key": key, "capacity": capacity, "now": now, "rate": rate}
            if conn.execute(_TAKE, params).fetchone() is not None:
                return None
            row = conn.execute("SELECT tokens, stamp FROM http_buckets WHERE key = %s", (key,)).fetchone()
        if row is None:  # nothing deletes a bucket; if one is gone it is as good as full
            return None
        wait = refill_and_take(float(row[0]), float(row[1]), now, rate=rate, capacity=capacity)[1]
        return wait or 0.0  # None only if a worker with a clock far ahead refilled it meanwhile

    def close(self) -> None:
        return None
