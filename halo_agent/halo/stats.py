"""Counting Halo calls: per client, and per scope (a turn) without mixing concurrent sessions.

A scope lives in a ContextVar, so each asyncio task sees its own scopes, and tasks created inside a
scope copy the context and count into it too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

_ids = itertools.count()


@dataclass
class CallCounter:
    """Calls counted inside one `ClientStats.scope()`."""

    api_calls: int = 0
    token_calls: int = 0


class ClientStats:
    """`api_calls`: HTTP requests to `/api` (retries included); `token_calls`: token requests."""

    def __init__(self) -> None:
        self.api_calls = 0
        self.token_calls = 0
        self._scopes: ContextVar[tuple[CallCounter, ...]] = ContextVar(f"halo_stats_{next(_ids)}", default=())

    @contextmanager
    def scope(self) -> Iterator[CallCounter]:
        """Count this context's calls (and those of tasks started inside it). Scopes nest."""
        counter = CallCounter()
        token = self._scopes.set((*self._scopes.get(), counter))
        try:
            yield counter
        finally:
            self._scopes.reset(token)

    def count_api(self) -> None:
        self.api_calls += 1
        for counter in self._scopes.get():
            counter.api_calls += 1

    def count_token(self) -> None:
        self.token_calls += 1
        for counter in self._scopes.get():
            counter.token_calls += 1

    def __repr__(self) -> str:
        return f"ClientStats(api_calls={self.api_calls}, token_calls={self.token_calls})"
