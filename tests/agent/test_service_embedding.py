"""The embedding patterns README shows: confirming while a turn's events are read, and a library that
writes nothing to stdout unless the host configured logging."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from halo_agent.agent.events import FinalAnswer, Paused
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_EMPLOYEE_EMAIL
from halo_agent.logs import get_logger
from halo_agent.models.offline import OfflineModel

CLOSED_STATUS_ID = 9  # the sandbox's "Closed"


async def _service(tmp_path: Path) -> AgentService:
    return await AgentService.create(Settings(home=tmp_path / "home"), model=OfflineModel())


async def test_confirm_inside_the_event_loop_runs_the_call_once_and_does_not_hang(tmp_path: Path) -> None:
    async with await _service(tmp_path) as service:
        me = await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
        answers: list[str] = []

        async def embed() -> None:
            async for event in service.handle("Please close ticket 789, it's fixed.", me, "web-1"):
                if isinstance(event, Paused):
                    for answer in await service.confirm("web-1", event.pending_id, me, yes=True):
                        if isinstance(answer, FinalAnswer):
                            answers.append(answer.text)

        await asyncio.wait_for(embed(), timeout=30)
        ticket = await service.client.request_json("GET", "Tickets/789")
    assert len(answers) == 1 and "789" in answers[0]
    assert isinstance(ticket, dict) and ticket["status_id"] == CLOSED_STATUS_ID, ticket


async def test_the_library_writes_no_logs_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with await _service(tmp_path) as service:
        me = await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
        events = [event async for event in service.handle("What's the status of my ticket 789?", me, "s")]
        get_logger("halo_agent.test").warning("a warning for the host", detail=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "a warning for the host" in captured.err
    assert any(isinstance(event, FinalAnswer) for event in events)


def test_every_module_logs_through_the_library_logger() -> None:
    """`structlog.get_logger` at import would print to stdout for hosts that never configured structlog."""
    package = Path(__file__).resolve().parents[2] / "halo_agent"
    offenders = [
        str(path.relative_to(package)) for path in package.rglob("*.py")
        if path.name != "logs.py" and "structlog.get_logger(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], "use `from halo_agent.logs import get_logger`"
