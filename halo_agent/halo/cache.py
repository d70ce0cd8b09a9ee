"""A value fetched from Halo once per TTL and shared by concurrent callers (one fetch, not twenty)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TtlCache(Generic[T]):
    def __init__(self, fetch: Callable[[], Awaitable[T]], *, ttl: float, clock: Callable[[], float]) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._value: T | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> T:
        if self._value is not None and self._clock() < self._expires:
            return self._value
        async with self._lock:  # re-checked inside: the first caller fetches, the others reuse it
            if self._value is None or self._clock() >= self._expires:
                self._value = await self._fetch()
                self._expires = self._clock() + self._ttl
            return self._value

    def forget(self) -> None:
        self._expires = 0.0
