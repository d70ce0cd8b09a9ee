"""One call's trail: the events it emits and the single audit record it leaves."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from halo_agent.agent.events import AgentEvent, Paused, PolicyDecisionEvent, ToolResultEvent
from halo_agent.logs import get_logger, log_failure
from halo_agent.policies.types import Decision
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord
from halo_agent.storage.interface import AuditTrail
from halo_agent.tools.base import ToolResult
from halo_agent.tools.format import dumps

Status = Literal["ok", "error", "refused", "paused"]
log = get_logger("halo_agent.tools")
UNEXPECTED = (
    "an internal error stopped this call ({kind}); it was recorded. If it was a change, read the ticket "
    "to see whether it happened before trying again"
)
INTERRUPTED = "the call was interrupted ({kind}) before it finished; it may or may not have reached Halo"


class CallOutcome(BaseModel):
    call_id: str
    tool: str
    status: Status
    tool_message: str  # the JSON text the model reads
    decision: Decision | None = None
    result: ToolResult | None = None
    pending: PendingRecord | None = None
    events: list[AgentEvent] = []


def principal_record(principal: Principal) -> dict[str, Any]:
    return {
        "role": principal.role,
        "user_id": principal.halo_user_id,
        "agent_id": principal.halo_agent_id,
        "email": principal.email,
        "name": principal.name,
        "key": principal.key,
    }


@dataclass
class Trace:
    """Collects what happened to one call; `close` emits the result event and writes the audit record."""

    audit: AuditTrail
    event: str  # "tool_call" | "pending_decision" | "pending_run"
    call_id: str
    tool: str
    principal: Principal
    session_id: str
    request_id: str
    args: dict[str, Any] | str
    decision: Decision | None = None
    events: list[AgentEvent] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    label: str = "none"  # the audit's decision when the policy was not asked
    started: float = field(default_factory=time.perf_counter)
    closed: bool = False  # the one audit record is written
    on_written: list[Callable[[], None]] = field(default_factory=list)  # after the audit record is written

    def decided(self, decision: Decision) -> None:
        self.decision = decision
        self.events.append(PolicyDecisionEvent(
            call_id=self.call_id, tool=self.tool, decision=decision.kind,
            rule_id=decision.rule_id, reason=decision.reason,
        ))

    def invalid(self, reason: str) -> None:
        self.label = "invalid"
        self.events.append(PolicyDecisionEvent(
            call_id=self.call_id, tool=self.tool, decision="invalid", reason=reason
        ))

    def fail(self, exc: Exception) -> CallOutcome:
        """An unexpected exception: one bounded log record, and an error result in the one audit record."""
        log_failure(log, "tool call failed", exc, tool=self.tool, call_id=self.call_id)
        payload = {"status": "error", "error": UNEXPECTED.format(kind=type(exc).__name__)}
        if self.closed:  # the record was written before the failure: do not write a second one
            return self._outcome("error", payload, None, None)
        return self.close("error", payload)

    def interrupted(self, exc: BaseException) -> None:
        """Cancelled or interrupted: the record is written before the interruption goes on."""
        if self.closed:
            return
        try:
            self.close("error", {"status": "error", "error": INTERRUPTED.format(kind=type(exc).__name__)})
        except Exception as failure:  # the interruption matters more than a second failure
            log_failure(log, "audit record for an interrupted call failed", failure, tool=self.tool)

    def close(
        self, status: Status, payload: dict[str, Any], *, result: ToolResult | None = None,
        pending: PendingRecord | None = None,
    ) -> CallOutcome:
        if self.closed:
            raise RuntimeError(f"call {self.call_id} already has its audit record")
        summary = _summary(status, payload, result)
        halo_ids = result.halo_ids if result else []
        if pending is not None and status == "paused":
            self.events.append(Paused(
                kind=pending.kind, pending_id=pending.id, tool=self.tool, preview=pending.preview,
                approver_roles=pending.approver_roles,
            ))
        else:
            self.events.append(ToolResultEvent(
                call_id=self.call_id, tool=self.tool, status=status, summary=summary,
                halo_ids=halo_ids, data=payload,
            ))
        self._write(status, summary, halo_ids, payload, pending)
        self.closed = True
        return self._outcome(status, payload, result, pending)

    def _outcome(
        self, status: Status, payload: dict[str, Any], result: ToolResult | None,
        pending: PendingRecord | None,
    ) -> CallOutcome:
        return CallOutcome(
            call_id=self.call_id, tool=self.tool, status=status, tool_message=dumps(payload),
            decision=self.decision, result=result, pending=pending, events=self.events,
        )

    def _write(
        self, status: Status, summary: str, halo_ids: list[int], payload: dict[str, Any],
        pending: PendingRecord | None,
    ) -> None:
        outcome: dict[str, Any] = {"status": status, "summary": summary, "halo_ids": halo_ids}
        if status == "error":
            outcome["error"] = payload.get("error")
        if pending is not None:
            outcome["pending_id"] = pending.id
        self.write({"outcome": outcome})

    def write(self, fields: dict[str, Any]) -> None:
        """The one audit record for this call (or pause event)."""
        decision = self.decision
        self.audit.append({
            "event": self.event,
            "request_id": self.request_id,
            "session_id": self.session_id,
            "principal": principal_record(self.principal),
            "tool": self.tool,
            "args": self.args,
            "decision": decision.kind if decision else self.label,
            "rule_id": decision.rule_id if decision else None,
            "reason": decision.reason if decision else None,
            **self.extra,
            **fields,
            "duration_ms": round((time.perf_counter() - self.started) * 1000, 2),
        })
        for hook in self.on_written:
            hook()


def _summary(status: Status, payload: dict[str, Any], result: ToolResult | None) -> str:
    if result is not None:
        return result.summary
    if status == "refused":
        return f"refused: {payload.get('reason', '')}"
    if status == "paused":
        return f"waiting for {payload.get('kind', 'confirmation')}: {payload.get('preview', '')}"
    return str(payload.get("error", ""))
