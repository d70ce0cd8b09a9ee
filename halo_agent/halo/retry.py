"""When to try again, and how long to wait: capped exponential backoff with jitter, honouring Retry-After.

Sleep and clocks are injectable so tests run instantly and can assert the waits.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx2

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Failures that another try meets again at once: nothing listens on the port, the name does not resolve,
# the URL or the proxy is wrong. Never retried (a wrong HALO_URL once cost 30 s of retry warnings):
# said at once, in one line. A wrong secret or a missing scope is a 400/401/403, never retried either.
FAILS_THE_SAME = (httpx2.ConnectError, httpx2.UnsupportedProtocol, httpx2.ProxyError)
# Timed out before the request was sent: safe to try again, even a create.
NOT_SENT = (httpx2.ConnectTimeout, httpx2.PoolTimeout)


def worth_retrying(exc: httpx2.TransportError, *, unsafe: bool) -> bool:
    """Whether another try may succeed: a timeout or a dropped connection on a call that can be repeated
    (a create or a note only when it was never sent: see transport.py's WriteMaybeLanded)."""
    if isinstance(exc, FAILS_THE_SAME):
        return False
    return not unsafe or isinstance(exc, NOT_SENT)


@dataclass
class RetryPolicy:
    """Bounded retries: at most `max_attempts` tries and `max_total_seconds` of waiting overall."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_seconds: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic  # for budgets
    wall_clock: Callable[[], float] = time.time  # for Retry-After dates
    jitter: Callable[[], float] = field(default=random.random)  # 0..1
    # After a create or note's answer was lost: the waits before each look for it (Halo may commit late).
    # Bounded: 10 s in all, then the outcome is reported as unknown and the write is never re-sent.
    lost_write_polls: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0)

    def backoff(self, attempt: int) -> float:
        """The wait after failed try number `attempt` (1-based): exponential, capped, half of it jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling / 2 + ceiling / 2 * self.jitter()

    def wait_for(self, attempt: int, retry_after: float | None) -> float:
        """Honour the server's Retry-After when given (never less than it), else back off."""
        return retry_after if retry_after is not None else self.backoff(attempt)


@dataclass
class RetryState:
    """One call's progress through its retries."""

    policy: RetryPolicy
    started: float = 0.0
    attempt: int = 0

    def __post_init__(self) -> None:
        self.started = self.policy.clock()

    def next_wait(self, retry_after: float | None) -> float | None:
        """The wait before the next try, or None when attempts or the time budget are spent."""
        if self.attempt >= self.policy.max_attempts:
            return None
        wait = self.policy.wait_for(self.attempt, retry_after)
        spent = self.policy.clock() - self.started
        if spent + wait > self.policy.max_total_seconds:
            return None
        return wait


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Retry-After as seconds from now: either a number of seconds or an HTTP date. None if absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now)
