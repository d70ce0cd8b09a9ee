"""Per-user request rate limits: one token bucket per identity, in memory (per process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

_MAX_BUCKETS = 10_000  # idle full buckets are forgotten past this, so memory stays bounded


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`capacity` requests at once, refilled at `per_minute` requests a minute."""

    def __init__(
        self, *, per_minute: float = 60.0, capacity: int = 20, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute <= 0 or capacity < 1:
            raise ValueError("per_minute must be positive and capacity at least 1")
        self.rate = per_minute / 60.0
        self.capacity = float(capacity)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str) -> float | None:
        """Take one token for `key`: None when allowed, else the seconds to wait before retrying."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        if len(self._buckets) < _MAX_BUCKETS:
            return
        full = self.capacity / self.rate  # idle this long: the bucket is full again
        for key in [k for k, b in self._buckets.items() if now - b.stamp >= full]:
            del self._buckets[key]
