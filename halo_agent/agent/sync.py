"""A thin blocking wrapper over AgentService for scripts and notebooks.

One event loop runs in a background thread for the wrapper's lifetime, so the Halo client's connection
pool and the per-session locks live on a single loop, and `handle` can stream events as they happen:

    with SyncAgentService.create(load_settings()) as agent:
        me = agent.resolve_principal("employee", email="emma.hart@example.com")
        for event in agent.handle("What's the status of my ticket 789?", me, "s1"):
            print(event)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Coroutine, Iterator
from typing import Any, TypeVar

import httpx2

from halo_agent.agent.events import AgentEvent
from halo_agent.agent.model import ChatModel
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord
from halo_agent.tools.executor import CallOutcome

T = TypeVar("T")


class _LoopThread:
    """An asyncio loop in a daemon thread; `run` blocks the caller until a coroutine finishes there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="halo-agent-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class SyncAgentService:
    """The same methods as AgentService, blocking. Close it (or use `with`) to stop its thread."""

    def __init__(self, service: AgentService, runner: _LoopThread) -> None:
        self.service = service
        self._runner = runner

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        model: ChatModel | None = None,
        halo_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> SyncAgentService:
        runner = _LoopThread()
        try:
            service = runner.run(AgentService.create(settings, model=model, halo_transport=halo_transport))
        except BaseException:
            runner.stop()
            raise
        return cls(service, runner)

    def resolve_principal(
        self, role: str, *, email: str | None = None, agent_id: int | None = None
    ) -> Principal:
        return self._runner.run(self.service.resolve_principal(role, email=email, agent_id=agent_id))

    def handle(self, message: str, principal: Principal, session_id: str) -> Iterator[AgentEvent]:
        """The turn's events as they happen; leaving the loop early closes the turn cleanly."""
        events = self.service.handle(message, principal, session_id)
        try:
            while True:
                try:
                    yield self._runner.run(_next(events))
                except StopAsyncIteration:
                    return
        finally:
            self._runner.run(events.aclose())

    def ask(self, message: str, principal: Principal, session_id: str) -> list[AgentEvent]:
        """The whole turn at once."""
        return list(self.handle(message, principal, session_id))

    def confirm(
        self, session_id: str, pending_id: str, principal: Principal, *, yes: bool
    ) -> list[AgentEvent]:
        return self._runner.run(self.service.confirm(session_id, pending_id, principal, yes=yes))

    def approve(self, pending_id: str, approver: Principal) -> CallOutcome:
        return self._runner.run(self.service.approve(pending_id, approver))

    def deny(self, pending_id: str, approver: Principal, reason: str | None = None) -> CallOutcome:
        return self._runner.run(self.service.deny(pending_id, approver, reason))

    def pending(self, principal: Principal) -> list[PendingRecord]:
        return self.service.pending(principal)

    def close(self) -> None:
        try:
            self._runner.run(self.service.aclose())
        finally:
            self._runner.stop()

    def __enter__(self) -> SyncAgentService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def _next(events: AsyncGenerator[AgentEvent, None]) -> AgentEvent:
    return await anext(events)
