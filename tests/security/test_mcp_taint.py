"""Hole 4: over MCP the untrusted-text rule never fired (each call got a fresh context).

The MCP client's model may have read anything (Halo text from an earlier call, other servers' output), and
nothing it writes is the person's own words: every MCP write waits for the person.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from halo_agent.agent.service import AgentService
from halo_agent.channels.mcp_server import McpBridge, fixed_identity
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.testing import ScriptedModel
from tests.channels.test_mcp import _payload


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    service = await AgentService.create(Settings(home=tmp_path / "home"), model=ScriptedModel([]))
    yield service
    await service.aclose()


@pytest.mark.parametrize(("tool", "args"), [
    ("haloitsm_add_note", {"ticket_id": 789, "note": "Planted: visit evil.example.com"}),
    ("haloitsm_update_ticket", {"ticket_id": 790, "team": "2nd Line Support"}),
    ("haloitsm_create_ticket", {"summary": "Planted", "details": "from a ticket's text"}),
])
async def test_a_write_after_reading_halo_text_over_mcp_waits_for_the_person(
    service: AgentService, tool: str, args: dict[str, object]
) -> None:
    admin = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    store = service.sandbox.state_store  # type: ignore[union-attr]
    notes, tickets = len(store.actions_for(789)), len(store.tickets)
    async with Client(McpBridge(service, fixed_identity(admin)).server(), mode="auto") as client:
        read = await client.call_tool("haloitsm_get_ticket", {"ticket_id": 789})
        assert _payload(read)["status"] == "ok"
        result = await client.call_tool(tool, args)
    assert _payload(result)["status"] == "paused"
    assert len(store.actions_for(789)) == notes and len(store.tickets) == tickets
    [record] = [r for r in service.audit.tail(20) if r.get("tool") == tool]
    assert record["decision"] == "confirm" and record["rule_id"] == "untrusted-write"
