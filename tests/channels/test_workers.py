"""Several `serve` processes on one PostgreSQL database, with the sandbox in its own process: what one
worker starts another can finish, nothing is lost or done twice, and the loser of a race hears 409.

Each test talks to two workers on two ports, so it decides which worker gets which request."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest

from halo_agent.channels.web.routes import CSRF_HEADER
from halo_agent.channels.web.signin import COOKIE_NAME
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_SECOND_ADMIN_AGENT_ID
from halo_agent.sandbox.store import SandboxStore
from halo_agent.storage.postgres.migrations import upgrade
from tests.pg_fixtures import create_database, drop_database
from tests.workers_harness import API_KEY, free_port, start, stop, wait_until_up

ADMIN = {"role": "admin", "agent_id": DEMO_ADMIN_AGENT_ID}
APPROVER = {"role": "admin", "agent_id": DEMO_SECOND_ADMIN_AGENT_ID}
EMMA = {"role": "employee", "email": "emma.hart@example.com"}
CLOSE_790 = "Close ticket 790 with a note visible to the user: the VPN certificate was renewed, all working."
HEADERS = {"Authorization": f"Bearer {API_KEY}"}


@dataclass
class Cluster:
    url: str
    env: dict[str, str]
    sandbox_state: Path
    workers: list[subprocess.Popen[bytes]]
    ports: list[int]

    def client(self, n: int) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(base_url=f"http://127.0.0.1:{self.ports[n]}", headers=HEADERS, timeout=60)

    def halo(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "halo_agent", *args], env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip

    def sandbox(self) -> SandboxStore:
        return SandboxStore.demo(state_file=self.sandbox_state)


@pytest.fixture
def cluster(pg_server: str, tmp_path: Path) -> Iterator[Cluster]:
    url = create_database(pg_server)
    with psycopg.connect(url, autocommit=True) as conn:
        upgrade(conn)
    sandbox_port, ports = free_port(), [free_port(), free_port()]
    state = tmp_path / "sandbox.db"
    fault = "latency,seconds=4,method=POST,path=/api/Actions,times=1"
    sandbox = start(["sandbox", "--port", str(sandbox_port), "--state", str(state), "--fault", fault], {})
    env = {
        "HALO_URL": f"http://127.0.0.1:{sandbox_port}", "HALO_CLIENT_ID": "halo-agent-demo",
        "HALO_CLIENT_SECRET": "sandbox-secret", "HALO_AGENT_DATABASE_URL": url,
        "HALO_AGENT_API_KEY": API_KEY, "HALO_AGENT_HOME": str(tmp_path / "home"),
        "HALO_AGENT_MODEL": "offline",
    }  # fmt: skip
    processes = [sandbox]
    try:
        wait_until_up(sandbox_port, "/api/authinfo", sandbox)
        serve = ["serve", "--rate-limit", "1", "--burst", "20", "--agent-id", "1"]  # --agent-id: sign-in link
        processes += [start([*serve, "--port", str(port)], env) for port in ports]
        for port, process in zip(ports, processes[1:], strict=True):
            wait_until_up(port, "/readyz", process)
        yield Cluster(url, {**os.environ, **env}, state, processes[1:], ports)
    finally:
        for process in processes:
            stop(process)
        drop_database(pg_server, url)


async def _chat(
    client: httpx2.AsyncClient, session: str, message: str, user: dict[str, Any]
) -> httpx2.Response:
    return await client.post("/v1/chat", json={"session_id": session, "message": message, "user": user})


def _history(cluster: Cluster, session: str) -> list[str]:
    with psycopg.connect(cluster.url) as conn:
        row = conn.execute("SELECT history FROM agent_sessions WHERE id = %s", (session,)).fetchone()
    return [m["content"] for m in json.loads(row[0]) if m["role"] == "user"] if row else []


async def test_two_turns_of_one_session_on_two_workers_are_both_kept(cluster: Cluster) -> None:
    async with cluster.client(0) as one, cluster.client(1) as two:
        sessions = [f"same-{n}" for n in range(6)]
        pairs = [(_chat(one, s, "What's the status of my ticket 789?", EMMA),
                  _chat(two, s, "How do I reset my password?", EMMA)) for s in sessions]  # fmt: skip
        answers = await asyncio.gather(*(call for pair in pairs for call in pair))
    assert [r.status_code for r in answers] == [200] * 12, [r.text for r in answers if r.status_code != 200]
    for session in sessions:
        assert sorted(_history(cluster, session)) == ["How do I reset my password?",
                                                      "What's the status of my ticket 789?"]  # fmt: skip


async def test_a_race_to_approve_on_two_workers_runs_once_and_the_loser_gets_409(cluster: Cluster) -> None:
    async with cluster.client(0) as one, cluster.client(1) as two:
        first = await _chat(one, "approve-race", "Raise the priority of ticket 789 to Critical.", ADMIN)
        [paused] = first.json()["paused"]
        path = f"/v1/approvals/{paused['pending_id']}/approve"
        answers = await asyncio.gather(one.post(path, json={"user": APPROVER}),
                                       two.post(path, json={"user": APPROVER}))  # fmt: skip
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    loser = next(r for r in answers if r.status_code == 409)
    assert "already" in loser.json()["detail"]
    runs = _audit_events(cluster, "pending_run")
    assert len(runs) == 1


async def test_a_double_confirmation_on_two_workers_runs_once_and_the_loser_gets_409(
    cluster: Cluster,
) -> None:
    async with cluster.client(0) as one, cluster.client(1) as two:
        first = await _chat(one, "confirm-race", CLOSE_790, ADMIN)
        [paused] = first.json()["paused"]
        body = {"pending_id": paused["pending_id"], "answer": "yes", "user": ADMIN}
        answers = await asyncio.gather(one.post("/v1/sessions/confirm-race/confirm", json=body),
                                       two.post("/v1/sessions/confirm-race/confirm", json=body))  # fmt: skip
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    notes = [a for a in cluster.sandbox().actions_for(790) if "VPN certificate" in str(a.get("note"))]
    assert len(notes) == 1


async def test_the_per_user_rate_limit_is_shared_by_the_workers(cluster: Cluster) -> None:
    async with cluster.client(0) as one, cluster.client(1) as two:
        query = {"role": "employee", "email": "liam.cole@example.com"}
        answers = [await (one, two)[n % 2].get("/v1/approvals", params=query) for n in range(24)]
    codes = [r.status_code for r in answers]
    assert codes == [200] * 20 + [429] * 4, codes  # one bucket of 20 for both workers, not 20 each


async def test_a_worker_killed_mid_write_repeats_nothing_and_the_session_goes_on(cluster: Cluster) -> None:
    async with cluster.client(0) as one, cluster.client(1) as two:
        first = await _chat(one, "killed", CLOSE_790, ADMIN)
        [paused] = first.json()["paused"]
        body = {"pending_id": paused["pending_id"], "answer": "yes", "user": ADMIN}
        confirming = asyncio.create_task(one.post("/v1/sessions/killed/confirm", json=body))
        await asyncio.sleep(1.5)  # the worker has claimed the call and waits on the (slowed) Halo write
        cluster.workers[0].send_signal(signal.SIGKILL)
        with pytest.raises(httpx2.TransportError):
            await confirming
        again = await two.post("/v1/sessions/killed/confirm", json=body)
        assert again.status_code == 409, again.text  # claimed by the dead worker: never run a second time
        goes_on = await _chat(two, "killed", "What's the status of ticket 790?", ADMIN)
        assert goes_on.status_code == 200 and goes_on.json()["answer"]
    await asyncio.sleep(3)  # the slowed write lands at the sandbox
    notes = [a for a in cluster.sandbox().actions_for(790) if "VPN certificate" in str(a.get("note"))]
    assert len(notes) == 1
    verified = cluster.halo("audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout, verified.stdout + verified.stderr


async def test_signed_in_on_one_worker_is_signed_in_on_the_other(cluster: Cluster) -> None:
    token = _signin_token(cluster.workers[0])
    async with cluster.client(0) as one, cluster.client(1) as two:
        opened = await one.get(f"/signin?token={token}")
        assert opened.status_code == 303
        two.cookies.set(COOKIE_NAME, opened.cookies[COOKIE_NAME])  # the same browser, now on the other
        page = {CSRF_HEADER: "1"}
        me = await two.get("/web/me")
        assert me.status_code == 200 and me.json()["role"] == "admin", me.text
        turn = await two.post("/web/chat", json={"conversation": "c1", "message": "What's the status of "
                              "ticket 789?"}, headers=page)  # fmt: skip
        assert turn.status_code == 200 and "789" in turn.text
        assert (await two.get(f"/signin?token={token}")).status_code == 401  # the link was spent, everywhere
        assert (await two.post("/web/signout", headers=page)).status_code == 200
        assert (await one.get("/web/me")).status_code == 401  # signed out everywhere too


def _signin_token(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The one-time token in the sign-in link a worker printed when it started."""
    assert process.stderr is not None
    said, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(rb"/signin\?token=(\S+)", said)
        if found:
            return found.group(1).decode()
        if select.select([process.stderr], [], [], 0.5)[0]:
            said += os.read(process.stderr.fileno(), 65536)
    raise AssertionError(f"no sign-in link printed: {said.decode(errors='replace')}")


def _audit_events(cluster: Cluster, event: str) -> list[dict[str, Any]]:
    exported = cluster.halo("audit", "export")
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    return [r for r in records if r.get("event") == event]


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    return {int(child) for child in text.split()}


def _serve_workers(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {"HALO_AGENT_DATABASE_URL": url, "HALO_AGENT_API_KEY": API_KEY, "HALO_AGENT_HOME": str(home)}
    return start(["serve", "--workers", "2", "--port", str(port), "--model", "offline"], env)


def test_serve_workers_share_the_port_and_a_killed_worker_is_replaced(pg_url: str, tmp_path: Path) -> None:
    port = free_port()
    parent = _serve_workers(pg_url, tmp_path / "home", port)
    try:
        wait_until_up(port, "/readyz", parent)
        ready = httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=30).json()
        assert ready["checks"]["storage"] == {"ok": True, "detail": "PostgreSQL"}
        token = _signin_token(parent)  # printed by the first worker, before it may be the one killed
        first = _children(parent.pid)
        assert len(first) == 2
        os.kill(min(first), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(_children(parent.pid) - first) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(parent.pid)) == 2 and min(first) not in _children(parent.pid)
        _page_works_on_every_worker(f"http://127.0.0.1:{port}", token)
        user = {"role": "employee", "email": "emma.hart@example.com"}
        for n in range(4):
            body = {"session_id": f"w{n}", "message": "What's the status of my ticket 789?", "user": user}
            answer = httpx2.post(f"http://127.0.0.1:{port}/v1/chat", json=body, headers=HEADERS, timeout=60)
            assert answer.status_code == 200 and "789" in answer.json()["answer"]
    finally:
        stop(parent)
    assert parent.returncode == 0


def test_a_sign_in_link_is_printed_when_the_worker_charged_with_it_dies_first(
    pg_url: str, tmp_path: Path
) -> None:
    port = free_port()
    parent = _serve_workers(pg_url, tmp_path / "home", port)
    try:
        deadline = time.monotonic() + 30
        while len(started := _children(parent.pid)) < 2:  # both started, neither ready: a start takes seconds
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.01)
        for pid in started:  # whichever was charged with the link dies before printing it
            os.kill(pid, signal.SIGKILL)
        token = _signin_token(parent)  # printed by the worker that replaced it
        wait_until_up(port, "/readyz", parent)
        _page_works_on_every_worker(f"http://127.0.0.1:{port}", token)
        assert started.isdisjoint(_children(parent.pid))
    finally:
        stop(parent)


def _page_works_on_every_worker(base: str, token: str) -> None:
    """The link `serve --workers` printed signs in on whichever worker takes each new connection."""
    with httpx2.Client(base_url=base, timeout=60) as browser:
        cookie = {COOKIE_NAME: browser.get(f"/signin?token={token}").cookies[COOKIE_NAME]}
    for _ in range(6):  # fresh connections: the kernel spreads them over the workers
        with httpx2.Client(base_url=base, timeout=60, cookies=cookie) as browser:
            assert browser.get("/web/me").status_code == 200


def test_serve_workers_on_a_database_without_the_schema_stop_naming_the_command(
    pg_empty_url: str, tmp_path: Path
) -> None:
    parent = _serve_workers(pg_empty_url, tmp_path / "home", free_port())
    _, stderr = parent.communicate(timeout=120)
    assert parent.returncode != 0 and b"halo-agent db upgrade" in stderr and b"Traceback" not in stderr
