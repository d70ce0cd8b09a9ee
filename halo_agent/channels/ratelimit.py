"""Per-user request rate limits: one token bucket per identity, kept where the storage keeps them (in the
state database or PostgreSQL, so every worker shares them), or in memory for one process."""

from __future__ import annotations

import time
from collections.abc import Callable

from halo_agent.storage.buckets import MemoryBuckets
from halo_agent.storage.interface import RateBuckets


class RateLimiter:
    """`capacity` requests at once, refilled at `per_minute` requests a minute."""

    def __init__(
        self, *, per_minute: float = 60.0, capacity: int = 20, clock: Callable[[], float] = time.monotonic,
        buckets: RateBuckets | None = None,
    ) -> None:
        if per_minute <= 0 or capacity < 1:
            raise ValueError("per_minute must be positive and capacity at least 1")
        self.rate = per_minute / 60.0
        self.capacity = float(capacity)
        self.buckets = buckets or MemoryBuckets(clock)

    def acquire(self, key: str) -> float | None:
        """Take one token for `key`: None when allowed, else the seconds to wait before retrying."""
        return self.buckets.take(key, rate=self.rate, capacity=self.capacity)
