"""Retries: which failures, how long to wait, and when to give up."""

from __future__ import annotations

import socket
from email.utils import formatdate

import httpx2
import pytest

from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloRateLimitedError, HaloUnavailableError
from halo_agent.halo.retry import RetryPolicy, parse_retry_after
from tests.halo.fakes import FakeClock, FakeHalo, raiser, settings, status

RATE = {"message": "Rate Limit Reached - 300 Requests per rolling 5 minute window"}


async def _statuses(fake: FakeHalo, clock: FakeClock) -> object:
    fake.route("GET", "/api/Status", [{"id": 1, "name": "New"}])
    async with fake.client(clock) as client:
        return await client.request_json("GET", "Status")


async def test_429_honours_retry_after_seconds() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", status(429, {"Retry-After": "7"}, RATE))
    assert await _statuses(fake, clock) == [{"id": 1, "name": "New"}]
    assert clock.sleeps == [7.0]


async def test_429_honours_retry_after_http_date() -> None:
    fake, clock = FakeHalo(), FakeClock()
    clock.now = 1_700_000_000.0
    fake.fault("GET", "/api/Status", status(429, {"Retry-After": formatdate(clock.now + 12, usegmt=True)}))
    await _statuses(fake, clock)
    assert clock.sleeps == [pytest.approx(12.0, abs=1.0)]


async def test_without_retry_after_backoff_grows_and_is_capped() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", *[status(503)] * 4)
    await _statuses(fake, clock)
    # jitter fixed at 0.5: three quarters of 0.5, 1, 2, 4 seconds
    assert clock.sleeps == [0.375, 0.75, 1.5, 3.0]


def test_backoff_never_exceeds_the_cap() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=lambda: 1.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 5, 5]


async def test_gateway_errors_and_dropped_connections_are_retried() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault(
        "GET",
        "/api/Status",
        status(502),
        raiser(httpx2.RemoteProtocolError),
        status(504),
        raiser(httpx2.ReadTimeout),
    )
    assert await _statuses(fake, clock) == [{"id": 1, "name": "New"}]
    assert len(fake.calls("GET", "/api/Status")) == 5


async def test_rate_limit_that_never_clears_raises_after_bounded_attempts() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", *[status(429, body=RATE)] * 50)
    with pytest.raises(HaloRateLimitedError, match="Rate Limit Reached"):
        await _statuses(fake, clock)
    assert len(fake.calls("GET", "/api/Status")) == RetryPolicy().max_attempts


async def test_retry_after_beyond_the_time_budget_gives_up_at_once() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", status(429, {"Retry-After": "3600"}))
    with pytest.raises(HaloRateLimitedError, match="wait 3600 s") as caught:
        await _statuses(fake, clock)
    assert caught.value.retry_after == 3600
    assert clock.sleeps == []


async def test_plain_500_is_not_retried_and_reads_as_unavailable() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", status(500))
    with pytest.raises(HaloUnavailableError, match="HTTP 500"):
        await _statuses(fake, clock)
    assert len(fake.calls("GET", "/api/Status")) == 1


async def test_read_timeouts_that_persist_become_unavailable() -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", *[raiser(httpx2.ReadTimeout)] * 10)
    with pytest.raises(HaloUnavailableError, match="did not answer"):
        await _statuses(fake, clock)


@pytest.mark.parametrize("failure", [httpx2.ConnectError, httpx2.UnsupportedProtocol, httpx2.ProxyError])
async def test_a_refused_connection_or_a_bad_url_is_tried_once_without_waiting(
    failure: type[httpx2.TransportError],
) -> None:
    fake, clock = FakeHalo(), FakeClock()
    fake.fault("GET", "/api/Status", *[raiser(failure)] * 10)
    with pytest.raises(HaloUnavailableError, match="Cannot reach Halo"):
        await _statuses(fake, clock)
    assert len(fake.calls("GET", "/api/Status")) == 1 and clock.sleeps == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again on leaving: nothing listens there


async def test_a_closed_port_fails_at_once_with_the_reason_and_no_retry_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = FakeClock()
    halo = settings(halo_url=f"http://127.0.0.1:{_closed_port()}")
    async with HaloClient(halo, retry=clock.policy()) as client:
        with pytest.raises(HaloUnavailableError, match="connection refused") as caught:
            await client.request_json("GET", "Status")
    assert clock.sleeps == [] and client.stats.token_calls + client.stats.api_calls == 1  # tried once
    assert "halo.retry" not in capsys.readouterr().err
    assert str(caught.value).count("\n") == 0  # one line


def test_retry_after_parsing() -> None:
    assert parse_retry_after("5", now=0) == 5.0
    assert parse_retry_after("-3", now=0) == 0.0
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None
    assert parse_retry_after(formatdate(100, usegmt=True), now=90) == pytest.approx(10)
