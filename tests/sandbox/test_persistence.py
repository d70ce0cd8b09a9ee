"""`--state FILE` keeps the sandbox's data across restarts and shares it between processes: no write one
process reported is lost to another's, each write stores only its rows, and no secret or token is kept."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx2

from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app
from tests.sandbox.conftest import BASE, fetch_token

ROOT = Path(__file__).resolve().parents[2]


async def _headers(client: httpx2.AsyncClient) -> dict[str, str]:
    token = (await fetch_token(client)).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _client(app: SandboxApp) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE)


async def _note(client: httpx2.AsyncClient, headers: dict[str, str], text: str) -> int:
    answer = await client.post(
        "/api/Actions", json=[{"ticket_id": 789, "note": text, "outcome_id": 2}], headers=headers
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _stored_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in folder.iterdir())


async def test_writes_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "halo.db"
    app = create_app(SandboxConfig(state_file=state))
    async with _client(app) as client:
        headers = await _headers(client)
        created = await client.post(
            "/api/Tickets", json=[{"summary": "Kept", "details": "d", "site_id": 2}], headers=headers
        )
        await _note(client, headers, "kept")
        token = headers["Authorization"].split()[1]
    stored = _stored_bytes(tmp_path)
    restarted = create_app(SandboxConfig(state_file=state)).state_store
    new_id = created.json()["id"]
    assert restarted.ticket(new_id)["summary"] == "Kept"  # type: ignore[index]
    assert restarted.actions_for(789)[-1]["note"] == "kept"
    assert restarted.next_ticket_id == new_id + 1
    assert b"sandbox-secret" not in stored and token.encode() not in stored


async def test_two_sandboxes_on_one_file_lose_no_write(tmp_path: Path) -> None:
    """Two apps on one state file are what two processes have: each write sees the other's first."""
    state = tmp_path / "halo.db"
    one, two = create_app(SandboxConfig(state_file=state)), create_app(SandboxConfig(state_file=state))
    async with _client(one) as a, _client(two) as b:
        ha, hb = await _headers(a), await _headers(b)
        pairs = [(a, ha), (b, hb)]
        ids = await asyncio.gather(*(_note(*pairs[n % 2], f"note {n}") for n in range(20)))
        created = []
        for n, (client, headers) in enumerate(pairs * 3):
            row = {"summary": f"T{n}", "details": "d", "site_id": 2}
            created.append((await client.post("/api/Tickets", json=[row], headers=headers)).json()["id"])
        listed = await a.get("/api/Actions", params={"ticket_id": 789}, headers=ha)
    assert len(set(ids)) == 20  # action ids allocated under the shared write lock: no collision
    assert len(set(created)) == 6
    notes = {row["note"] for row in one.state_store.actions_for(789)}
    assert {f"note {n}" for n in range(20)} <= notes
    assert {f"note {n}" for n in range(20)} <= {row["note"] for row in two.state_store.actions_for(789)}
    assert len([r for r in listed.json()["actions"] if str(r.get("note", "")).startswith("note ")]) == 20
    fresh = create_app(SandboxConfig(state_file=state)).state_store
    assert all(fresh.ticket(ticket_id) is not None for ticket_id in created)


async def test_a_write_stores_only_the_rows_it_touched(tmp_path: Path) -> None:
    state = tmp_path / "halo.db"
    app = create_app(SandboxConfig(state_file=state))
    async with _client(app) as client:
        await _note(client, await _headers(client), "one more")
    with sqlite3.connect(state) as db:
        seq = db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]
        touched = db.execute("SELECT count(*) FROM tickets WHERE seq = ?", (int(seq),)).fetchone()[0]
        actions = db.execute("SELECT count(*) FROM actions WHERE seq = ?", (int(seq),)).fetchone()[0]
    assert (int(seq), touched, actions) == (2, 1, 1)  # the ticket (its last action date) and the note


def test_processes_adding_notes_at_once_lose_none(tmp_path: Path) -> None:
    state = tmp_path / "halo.db"
    create_app(SandboxConfig(state_file=state))  # the demo data, once
    script = f"""
import asyncio, httpx2
from halo_agent.sandbox import SandboxConfig, create_app
from tests.sandbox.conftest import BASE, fetch_token
async def main(n):
    app = create_app(SandboxConfig(state_file={str(state)!r}))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as c:
        token = (await fetch_token(c)).json()["access_token"]
        for i in range(5):
            row = {{"ticket_id": 789, "note": f"p{{n}}-{{i}}", "outcome_id": 2}}
            r = await c.post("/api/Actions", json=[row], headers={{"Authorization": "Bearer " + token}})
            assert r.status_code == 201, r.text
import sys; asyncio.run(main(sys.argv[1]))
"""
    processes = [subprocess.Popen([sys.executable, "-c", script, str(n)], cwd=ROOT) for n in range(4)]
    assert [process.wait(timeout=120) for process in processes] == [0] * 4
    notes = {row["note"] for row in create_app(SandboxConfig(state_file=state)).state_store.actions_for(789)}
    assert {f"p{n}-{i}" for n in range(4) for i in range(5)} <= notes
