"""A small executor with the real one's interface, for testing the loop in isolation.

Tools are plain async functions of the parsed arguments. Names in `confirm` pause for the person's
confirmation (a real PendingStore record); names in `approval` pause for an approver.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from halo_agent.agent.events import AgentEvent, Paused, ToolCallProposed, ToolResultEvent
from halo_agent.agent.model import ToolCallRequest, ToolSchema
from halo_agent.errors import PendingError
from halo_agent.halo.stats import ClientStats
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.tools.executor import CallOutcome, TurnContext

Tool = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


def slow(result: dict[str, Any], seconds: float = 0.05, stats: ClientStats | None = None) -> Tool:
    async def tool(args: dict[str, Any]) -> dict[str, Any]:
        if stats is not None:
            stats.count_api()  # as the Halo client would, once per HTTP request
        await asyncio.sleep(seconds)
        return {**result, "args": args}

    return tool


@dataclass
class FakeClient:
    stats: ClientStats = field(default_factory=ClientStats)


@dataclass
class FakeExecutor:
    tools: dict[str, Tool]
    store_path: Path
    confirm: set[str] = field(default_factory=set)
    approval: set[str] = field(default_factory=set)
    client: FakeClient = field(default_factory=FakeClient)
    trace: list[tuple[str, str, float]] = field(default_factory=list)  # (event, call id, time)
    resumed: list[tuple[str, bool, str | None]] = field(default_factory=list)
    turns: list[TurnContext] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pending = PendingStore(self.store_path)
        self.audit = AuditLog(self.store_path.with_name("audit.jsonl"))

    def tool_schemas(self, principal: Principal) -> list[ToolSchema]:
        return [{"type": "function", "function": {"name": name, "parameters": {}}} for name in self.tools]

    async def execute(self, call: ToolCallRequest, turn: TurnContext) -> CallOutcome:
        self.turns.append(turn)
        self.trace.append(("start", call.id, time.monotonic()))
        try:
            return await self._execute(call, turn)
        finally:
            self.audit.append({"event": "tool_call", "call_id": call.id, "tool": call.name})
            self.trace.append(("end", call.id, time.monotonic()))

    async def _execute(self, call: ToolCallRequest, turn: TurnContext) -> CallOutcome:
        if call.name not in self.tools:
            return _outcome(call.id, call.name, "error", {"status": "error", "error": f"no tool {call.name}"})
        try:
            args = json.loads(call.arguments)
        except ValueError:
            return _outcome(
                call.id, call.name, "error", {"status": "error", "error": "arguments are not JSON"}
            )
        if call.name in self.confirm | self.approval:
            return self._pause(call, args, turn)
        result = await self.tools[call.name](args)
        return _outcome(call.id, call.name, "ok", {"status": "ok", "result": result})

    def _pause(self, call: ToolCallRequest, args: dict[str, Any], turn: TurnContext) -> CallOutcome:
        kind: Literal["confirmation", "approval"] = (
            "confirmation" if call.name in self.confirm else "approval"
        )
        record = self.pending.create(
            kind=kind,
            requester=turn.principal,
            session_id=turn.session_id,
            action=call.name,
            args=args,
            preview=f"{call.name} {json.dumps(args)}",
            rule_id="test.rule",
            approver_roles=["admin"] if kind == "approval" else [],
            ttl_seconds=600,
        )
        message = {"status": "paused", "kind": kind, "pending_id": record.id, "preview": record.preview}
        outcome = _outcome(call.id, call.name, "paused", message)
        paused = Paused(kind=kind, pending_id=record.id, tool=call.name, preview=record.preview)
        return outcome.model_copy(update={"pending": record, "events": [*outcome.events[:1], paused]})

    async def resume(
        self, pending_id: str, actor: Principal, *, approve: bool, reason: str | None = None
    ) -> CallOutcome:
        self.resumed.append((pending_id, approve, reason))
        record = self.pending.decide(pending_id, by=actor, approve=approve, reason=reason)
        if not approve:
            return _outcome(pending_id, record.action, "refused", {"status": "refused", "reason": "declined"})
        claimed = self.pending.claim(pending_id)
        if claimed is None:
            raise PendingError(f"request {pending_id} cannot run")
        result = await self.tools[record.action](record.args)
        self.pending.finish(pending_id, result=result, error=None)
        outcome = _outcome(pending_id, record.action, "ok", {"status": "ok", "result": result})
        return outcome.model_copy(update={"pending": self.pending.get(pending_id)})


def _outcome(call_id: str, tool: str, status: Any, message: dict[str, Any]) -> CallOutcome:
    events: list[AgentEvent] = [
        ToolCallProposed(call_id=call_id, tool=tool, arguments={}),
        ToolResultEvent(call_id=call_id, tool=tool, status=status, summary=str(message)[:80]),
    ]
    return CallOutcome(
        call_id=call_id,
        tool=tool,
        status=status,
        tool_message=json.dumps(message),
        decision=None,
        result=None,
        pending=None,
        events=events,
    )
