"""The blocking wrapper: the same turn, from plain synchronous code, on one background loop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from halo_agent.agent.events import FinalAnswer, Paused, TextDelta
from halo_agent.agent.sync import SyncAgentService
from halo_agent.config import Settings
from halo_agent.errors import ConfigError
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.testing import ScriptedModel, call, text


def test_a_script_can_run_a_turn_and_confirm_it(tmp_path: Path) -> None:
    model = ScriptedModel(
        [[call("haloitsm_resolve_ticket", ticket_id=790, note="Fixed.")], text("Closed 790.")]
    )
    with SyncAgentService.create(Settings(home=tmp_path), model=model) as agent:
        admin = agent.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        paused = agent.ask("close 790", admin, "script")[-1]
        assert isinstance(paused, Paused)
        assert [r.id for r in agent.pending(admin)] == [paused.pending_id]
        events = agent.confirm("script", paused.pending_id, admin, yes=True)
        assert isinstance(events[-1], FinalAnswer) and events[-1].text == "Closed 790."
        assert agent.service.sandbox is not None
        assert agent.service.sandbox.state_store.ticket(790)["status_id"] == 9


def test_leaving_a_stream_early_releases_the_session(tmp_path: Path) -> None:
    model = ScriptedModel([text("one two three"), text("again")])
    with SyncAgentService.create(Settings(home=tmp_path), model=model) as agent:
        admin = agent.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
        for event in agent.handle("hi", admin, "s"):
            assert isinstance(event, TextDelta)
            break
        assert isinstance(agent.ask("hi again", admin, "s")[-1], FinalAnswer)  # the lock was released


def _loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "halo-agent-loop"]


def test_the_background_thread_stops_on_close(tmp_path: Path) -> None:
    agent = SyncAgentService.create(Settings(home=tmp_path), model=ScriptedModel([]))
    assert len(_loop_threads()) == 1
    agent.close()
    assert _loop_threads() == []


def test_a_failed_start_stops_the_thread(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        SyncAgentService.create(Settings(home=tmp_path, policy_file=tmp_path / "missing.yaml"))
    assert _loop_threads() == []
