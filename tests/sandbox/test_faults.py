"""Each programmed fault reaches the client the way the real failure would."""

from __future__ import annotations

import time

import httpx2
import pytest

from halo_agent.sandbox import SandboxApp
from halo_agent.sandbox.faults import FaultInjector, parse_fault_spec

Headers = dict[str, str]


async def test_429_carries_halo_message_and_no_retry_after(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    app.faults.add(kind="status", status=429, times=2, method="GET", path="/api/Tickets")
    first = await raw.get("/api/tickets", headers=headers)
    assert first.status_code == 429
    assert first.text == "Rate Limit Reached - 300 Requests per rolling 5 minute window"
    assert "retry-after" not in first.headers
    assert (await raw.get("/api/Tickets/789", headers=headers)).status_code == 429
    assert (await raw.get("/api/Tickets", headers=headers)).status_code == 200


async def test_429_with_retry_after(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    app.faults.add(kind="status", status=429, retry_after=7)
    assert (await raw.get("/api/Status", headers=headers)).headers["retry-after"] == "7"


async def test_faults_match_method_and_path(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    app.faults.add(kind="status", status=503, method="POST", path="/api/Actions")
    assert (await raw.get("/api/Actions?ticket_id=789", headers=headers)).status_code == 200
    assert (await raw.get("/api/Team", headers=headers)).status_code == 200
    failed = await raw.post("/api/Actions", json=[{"ticket_id": 789, "outcome_id": 2}], headers=headers)
    assert failed.status_code == 503


async def test_latency_delays_the_answer(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    app.faults.add(kind="latency", seconds=0.2)
    started = time.perf_counter()
    assert (await raw.get("/api/Status", headers=headers)).status_code == 200
    assert time.perf_counter() - started >= 0.2


async def test_drop_raises_remote_protocol_error(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    app.faults.add(kind="drop", times=1)
    with pytest.raises(httpx2.RemoteProtocolError):
        await raw.get("/api/Status", headers=headers)
    assert (await raw.get("/api/Status", headers=headers)).status_code == 200


async def test_commit_then_timeout_writes_then_times_out(
    raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp
) -> None:
    app.faults.add(kind="commit_then_timeout", method="POST", path="/api/Tickets")
    before = max(app.state_store.tickets)
    with pytest.raises(httpx2.ReadTimeout):
        await raw.post(
            "/api/Tickets", json=[{"summary": "Landed", "details": "d", "site_id": 18}], headers=headers
        )
    assert app.state_store.tickets[before + 1]["summary"] == "Landed"


async def test_timeout_writes_nothing(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    app.faults.add(kind="timeout", method="POST")
    before = len(app.state_store.tickets)
    with pytest.raises(httpx2.ReadTimeout):
        await raw.post(
            "/api/Tickets", json=[{"summary": "x", "details": "d", "site_id": 18}], headers=headers
        )
    assert len(app.state_store.tickets) == before


async def test_faults_can_hit_the_token_endpoint(raw: httpx2.AsyncClient, app: SandboxApp) -> None:
    app.faults.add(kind="status", status=502, path="/auth/token")
    form = {
        "grant_type": "client_credentials",
        "client_id": "halo-agent-demo",
        "client_secret": "sandbox-secret",
    }
    assert (await raw.post("/auth/token", data=form)).status_code == 502


async def test_clear_removes_faults(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    app.faults.add(kind="status", status=500, times=None)
    app.faults.clear()
    assert (await raw.get("/api/Status", headers=headers)).status_code == 200


async def test_request_counts(raw: httpx2.AsyncClient, headers: Headers, app: SandboxApp) -> None:
    await raw.get("/api/Tickets", headers=headers)
    await raw.get("/api/tickets/", headers=headers)
    assert app.state_store.calls("GET", "/api/Tickets") == 2
    assert app.state_store.calls("POST", "/auth/token") == 1
    assert app.state_store.request_log[-1].status == 200


def test_fault_specs_parse_and_unknown_kinds_fail() -> None:
    assert parse_fault_spec("status,status=429,times=3,path=/api/Tickets,retry_after=5") == {
        "kind": "status",
        "status": 429,
        "times": 3,
        "path": "/api/Tickets",
        "retry_after": "5",
    }
    with pytest.raises(ValueError, match="unknown fault kind"):
        FaultInjector().add("explode")
    with pytest.raises(ValueError, match="unknown fault option"):
        parse_fault_spec("latency,speed=3")
