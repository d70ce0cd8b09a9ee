"""A stand-in for AgentService: the same methods, canned events, and a record of what it was asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from halo_agent.agent.events import (
    FinalAnswer,
    Paused,
    PolicyDecisionEvent,
    TextDelta,
    ToolCallProposed,
    ToolResultEvent,
)
from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord

Script = Callable[[str], list[Any]]

EMMA = Principal(role="employee", email="emma.hart@example.com", name="Emma Hart", halo_user_id=11)
ALEX = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)


def list_events(message: str) -> list[Any]:
    rows = [
        {"id": 789, "summary": "Email not syncing", "status": "Open", "priority": "Medium", "user": "Emma"},
        {"id": 801, "summary": "New monitor", "status": "In Progress", "priority": "Low", "user": "Emma"},
    ]
    return [
        ToolCallProposed(call_id="c1", tool="haloitsm_list_tickets", arguments={"mine": True}),
        PolicyDecisionEvent(call_id="c1", tool="haloitsm_list_tickets", decision="allow",
                            rule_id="employee.list"),
        ToolResultEvent(call_id="c1", tool="haloitsm_list_tickets", status="ok", summary="2 tickets",
                        halo_ids=[789, 801], data={"result": {"tickets": rows, "total": 2}}),
        TextDelta(text="You have "),
        TextDelta(text="2 open tickets."),
        FinalAnswer(text="You have 2 open tickets."),
    ]


def refused_events(message: str) -> list[Any]:
    return [
        ToolCallProposed(call_id="c2", tool="haloitsm_get_ticket", arguments={"ticket_id": 790}),
        PolicyDecisionEvent(call_id="c2", tool="haloitsm_get_ticket", decision="deny",
                            rule_id="employee.own", reason="ticket 790 is not yours"),
        ToolResultEvent(call_id="c2", tool="haloitsm_get_ticket", status="refused",
                        summary="not your ticket"),
        FinalAnswer(text="I can't show you ticket 790."),
    ]


def paused_events(message: str) -> list[Any]:
    return [
        ToolCallProposed(call_id="c3", tool="haloitsm_resolve_ticket", arguments={"ticket_id": 789}),
        PolicyDecisionEvent(call_id="c3", tool="haloitsm_resolve_ticket", decision="confirm",
                            rule_id="close"),
        Paused(kind="confirmation", pending_id="p-1", tool="haloitsm_resolve_ticket",
               preview="Close ticket 789 (Email not syncing)"),
    ]


def record(pending_id: str = "p-9", requester: Principal = ALEX) -> PendingRecord:
    now = datetime.now(UTC)
    return PendingRecord(
        id=pending_id, kind="approval", state="pending", requester=requester, session_id="s",
        action="haloitsm_update_ticket", args={"ticket_id": 789, "priority": "Critical"}, args_hash="h",
        preview="Ticket 789: priority Medium -> Critical", rule_id="admin.critical",
        approver_roles=["admin"], created_at=now, expires_at=now + timedelta(hours=1),
    )


class FakeOutcome:
    def __init__(self, status: str, events: list[Any]) -> None:
        self.status = status
        self.events = events
        self.tool_message = "{}"


class FakeService:
    """Answers each message with `script(message)`; `delay` makes a turn slow (for cancellation)."""

    def __init__(self, script: Script = list_events, *, delay: float = 0.0) -> None:
        self.script = script
        self.delay = delay
        self.sandbox = object()
        self.calls: list[tuple[str, Any, ...]] = []
        self.records = [record()]
        self.closed = False

    async def resolve_principal(self, role: str, *, email: str | None = None,
                                agent_id: int | None = None) -> Principal:
        self.calls.append(("resolve", role, email, agent_id))
        return EMMA if role == "employee" else ALEX

    async def handle(self, message: str, principal: Principal, session_id: str) -> AsyncIterator[Any]:
        self.calls.append(("handle", message, principal, session_id))
        if self.delay:
            await asyncio.sleep(self.delay)
        for event in self.script(message):
            yield event

    def pending(self, principal: Principal) -> list[PendingRecord]:
        self.calls.append(("pending", principal))
        return self.records

    async def approve(self, pending_id: str, approver: Principal) -> FakeOutcome:
        self.calls.append(("approve", pending_id, approver))
        if pending_id != "p-9":
            raise PendingError(f"no pending request {pending_id}")
        result = ToolResultEvent(call_id="c9", tool="haloitsm_update_ticket", status="ok",
                                 summary="Ticket 789 priority set to Critical", halo_ids=[789])
        return FakeOutcome("ok", [result])

    async def deny(self, pending_id: str, approver: Principal, reason: str | None = None) -> FakeOutcome:
        self.calls.append(("deny", pending_id, approver, reason))
        return FakeOutcome("refused", [])

    async def aclose(self) -> None:
        self.closed = True
