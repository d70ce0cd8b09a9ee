"""Request and response bodies of the HTTP service. Unknown fields are refused (422), never ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from halo_agent.agent.events import AgentEvent, Paused
from halo_agent.storage.approvals import PendingRecord
from halo_agent.storage.sessions import MAX_SESSION_ID_LENGTH

MAX_MESSAGE_CHARS = 16_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserRef(_Strict):
    """Who the frontend acts for. Employees by email; admins by Halo agent id (or email alone)."""

    role: str = Field(min_length=1, max_length=64, examples=["employee"])
    email: str | None = Field(default=None, max_length=320, examples=["emma.hart@example.com"])
    agent_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _identified(self) -> UserRef:
        if self.email is None and self.agent_id is None:
            raise ValueError("give the user's email or agent_id")
        return self

    @property
    def limit_key(self) -> str:
        """The rate-limit bucket: the asserted identity, before it is checked against Halo."""
        return f"{self.role}:{(self.email or '').strip().lower()}:{self.agent_id or ''}"


def _session_id(value: str) -> str:
    if not value.isprintable():
        raise ValueError("a session id holds printable characters only")
    return value


class ChatRequest(_Strict):
    session_id: str = Field(min_length=1, max_length=MAX_SESSION_ID_LENGTH)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    user: UserRef

    _check_session = field_validator("session_id")(_session_id)


class ConfirmRequest(_Strict):
    pending_id: str = Field(min_length=1, max_length=100)
    answer: Literal["yes", "no"]
    user: UserRef


class DecisionRequest(_Strict):
    user: UserRef
    reason: str | None = Field(default=None, max_length=2_000)


class TurnResponse(BaseModel):
    """A whole turn: every event in order, the final answer and any pause waiting for a person."""

    session_id: str
    answer: str | None
    paused: list[Paused]
    error: str | None
    events: list[AgentEvent]


class PendingView(BaseModel):
    id: str
    kind: str
    state: str
    action: str
    preview: str
    requester: str
    session_id: str
    approver_roles: list[str]
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, record: PendingRecord) -> PendingView:
        return cls(
            id=record.id, kind=record.kind, state=record.state, action=record.action, preview=record.preview,
            requester=record.requester.describe(), session_id=record.session_id,
            approver_roles=list(record.approver_roles), created_at=record.created_at,
            expires_at=record.expires_at,
        )  # fmt: skip


class DecisionResponse(BaseModel):
    pending_id: str
    status: Literal["ok", "error", "refused", "paused"]
    result: dict[str, Any]
    events: list[AgentEvent]


class ErrorBody(BaseModel):
    error: str
    detail: str
