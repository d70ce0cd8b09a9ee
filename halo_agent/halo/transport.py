"""Sending one HTTP request to Halo with bounded retries, counted and logged (never with its headers).

A request marked `unsafe` (a create or a note: Halo has no idempotency keys) is never re-sent here once
it may have reached the server; `WriteMaybeLanded` tells the caller to look for it first.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode

import httpx2

from halo_agent.halo.errors import HaloUnavailableError, error_for_transport
from halo_agent.halo.retry import (
    FAILS_THE_SAME,
    RETRY_STATUSES,
    RetryPolicy,
    RetryState,
    parse_retry_after,
    worth_retrying,
)
from halo_agent.halo.stats import ClientStats
from halo_agent.logs import get_logger

log = get_logger("halo_agent.halo")

Kind = Literal["api", "token"]
# A gateway timing out or failing may have let the write through behind it.
_MAYBE_COMMITTED = frozenset({502, 504})


class WriteMaybeLanded(Exception):  # noqa: N818 (a signal to the write path, not an error to report)
    """A create/note request may have reached Halo and been committed; its answer was lost."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class HaloHttp:
    """The one HTTP path: retries, Retry-After, counting, logging."""

    def __init__(self, client: httpx2.AsyncClient, policy: RetryPolicy, stats: ClientStats) -> None:
        self.client = client
        self.policy = policy
        self.stats = stats

    async def send(
        self,
        method: str,
        url: str,
        *,
        kind: Kind = "api",
        unsafe: bool = False,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
    ) -> httpx2.Response:
        """Send, retrying 429/502/503/504, timeouts and dropped connections within the policy's bounds;
        a refused connection, an unknown host or a bad URL fails at once (retry.py's FAILS_THE_SAME).

        Returns the last response (possibly an error status: the caller maps it). Raises the mapped
        transport error when connection failures outlast the retries, or WriteMaybeLanded (unsafe only).
        """
        state = RetryState(self.policy)
        while True:
            state.attempt += 1
            try:
                response = await self._once(method, url, kind, headers, params, json, data)
            except httpx2.TransportError as exc:
                if isinstance(exc, FAILS_THE_SAME):
                    raise self._mapped(exc, method, url) from exc  # nothing was sent; a retry fails alike
                if not worth_retrying(exc, unsafe=unsafe):  # a create or note that may have been sent
                    raise WriteMaybeLanded(f"{type(exc).__name__} after sending") from exc
                await self._wait_or_raise(state, None, exc, method, url)
                continue
            if response.status_code not in RETRY_STATUSES:
                return response
            if unsafe and response.status_code in _MAYBE_COMMITTED:
                raise WriteMaybeLanded(f"HTTP {response.status_code} from a gateway")
            retry_after = parse_retry_after(response.headers.get("retry-after"), now=self.policy.wall_clock())
            wait = state.next_wait(retry_after)
            if wait is None:
                return response
            _log_retry(method, url, state.attempt, wait, f"HTTP {response.status_code}")
            await self.policy.sleep(wait)

    async def _wait_or_raise(
        self, state: RetryState, retry_after: float | None, exc: httpx2.TransportError, method: str, url: str
    ) -> None:
        wait = state.next_wait(retry_after)
        if wait is None:
            raise self._mapped(exc, method, url) from exc
        _log_retry(method, url, state.attempt, wait, type(exc).__name__)
        await self.policy.sleep(wait)

    def _mapped(self, exc: httpx2.TransportError, method: str, url: str) -> HaloUnavailableError:
        timeout = self.client.timeout.read or 0.0
        return error_for_transport(exc, method=method, url=_no_query(url), timeout=timeout)

    async def _once(
        self,
        method: str,
        url: str,
        kind: Kind,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        json: Any,
        data: Mapping[str, str] | None,
    ) -> httpx2.Response:
        if kind == "token":
            self.stats.count_token()
        else:
            self.stats.count_api()
        started = time.perf_counter()
        response = await self.client.request(
            method, _parsed(url, tuple(params.items()) if params else ()), headers=headers, json=json,
            data=data,
        )
        log.debug(
            "halo.call", method=method, path=_no_query(url), status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response


def _log_retry(method: str, url: str, attempt: int, wait: float, why: str) -> None:
    log.warning(
        "halo.retry", method=method, path=_no_query(url), attempt=attempt, wait_s=round(wait, 2), why=why
    )


@functools.lru_cache(maxsize=512)
def _parsed(url: str, params: tuple[tuple[str, str], ...]) -> httpx2.URL:
    """The request's URL, parsed once per distinct URL and query.

    httpx2 parses a URL string and quotes a `params=` mapping character by character in Python on every
    request (~40% of a request's cost); an `httpx2.URL` is immutable and passes through as is, so the
    URLs asked for again (metadata, a ticket read for the policy and then by the tool, the next page)
    cost a dict lookup. The query is encoded as httpx2 encodes `params=` (`urlencode`).
    """
    if not params:
        return httpx2.URL(url)
    return httpx2.URL(f"{url}{'&' if '?' in url else '?'}{urlencode(params)}")


def _no_query(url: str) -> str:
    return url.split("?", 1)[0]
