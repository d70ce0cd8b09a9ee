"""What a turn emits, in order. The CLI, REPL, HTTP/SSE and MCP all render these same events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from halo_agent.agent.model import Usage


class TextDelta(BaseModel):
    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCallProposed(BaseModel):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    tool: str
    arguments: dict[str, Any] | str  # str when the model's JSON could not be parsed


class PolicyDecisionEvent(BaseModel):
    type: Literal["decision"] = "decision"
    call_id: str
    tool: str
    decision: Literal["allow", "deny", "confirm", "approval", "invalid"]
    rule_id: str | None = None
    reason: str = ""


class ToolResultEvent(BaseModel):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    tool: str
    status: Literal["ok", "error", "refused", "paused"]
    summary: str
    halo_ids: list[int] = []
    data: dict[str, Any] = {}


class TurnUsage(BaseModel):
    model_round_trips: int = 0
    halo_calls: int = 0
    tool_calls: int = 0
    usage: Usage = Field(default_factory=Usage)  # a factory: a model default is deep-copied per instance
    seconds: float = 0.0


class Paused(BaseModel):
    type: Literal["paused"] = "paused"
    kind: Literal["confirmation", "approval"]
    pending_id: str
    tool: str
    preview: str
    approver_roles: list[str] = []
    # Set on the last pause of a turn (a pause ends it without a FinalAnswer): what the turn cost.
    usage: TurnUsage | None = None


class FinalAnswer(BaseModel):
    type: Literal["final"] = "final"
    text: str
    usage: TurnUsage = Field(default_factory=TurnUsage)


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    message: str
    kind: str = "error"  # "step_limit", "model", "halo", "config", ...


AgentEvent = Annotated[
    TextDelta | ToolCallProposed | PolicyDecisionEvent | ToolResultEvent | Paused | FinalAnswer | ErrorEvent,
    Field(discriminator="type"),
]
