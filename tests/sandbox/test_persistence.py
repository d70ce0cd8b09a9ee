"""`--state FILE` keeps the sandbox's data across restarts, without secrets or tokens in it."""

from __future__ import annotations

from pathlib import Path

import httpx2

from halo_agent.sandbox import SandboxConfig, create_app
from tests.sandbox.conftest import BASE, fetch_token


async def test_writes_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "halo.json"
    app = create_app(SandboxConfig(state_file=state))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url=BASE) as client:
        token = (await fetch_token(client)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = await client.post(
            "/api/Tickets", json=[{"summary": "Kept", "details": "d", "site_id": 2}], headers=headers
        )
        await client.post(
            "/api/Actions", json=[{"ticket_id": 789, "note": "kept", "outcome_id": 2}], headers=headers
        )
    restarted = create_app(SandboxConfig(state_file=state)).state_store
    new_id = created.json()["id"]
    assert restarted.ticket(new_id)["summary"] == "Kept"  # type: ignore[index]
    assert restarted.actions_for(789)[-1]["note"] == "kept"
    assert restarted.next_ticket_id == new_id + 1
    assert "sandbox-secret" not in state.read_text() and token not in state.read_text()
