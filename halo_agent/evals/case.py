"""The eval case schema: who asks, what Halo holds first, what is said, and what must hold at the end.

A case file is YAML: either a list of cases, or `{defaults: {...}, cases: [...]}` where `defaults` fills
fields a case leaves out (tags are added to the case's own). Unknown keys are errors, so a typo in an
expectation cannot silently turn a check off.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scalar = str | int | float | bool | None
# A value matcher: a plain value (strings compare case-insensitively), or one of these operators.
Matcher = Scalar | dict[str, Any] | list[Any]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Actor(_Strict):
    """The caller, supplied by the runner (never by the model): an employee by email, an admin by agent id."""

    role: str
    email: str | None = None
    agent_id: int | None = None

    @model_validator(mode="after")
    def _identified(self) -> Actor:
        if self.role == "employee" and not self.email:
            raise ValueError("an employee actor needs an email")
        return self


class TicketSeed(_Strict):
    """A ticket to add (no id, or a new id) or override (an existing id: only the fields given change)."""

    id: int | None = None
    summary: str | None = None
    details: str | None = None
    type: str | None = None
    status: str | None = None
    priority: str | None = None
    user_email: str | None = None
    agent_id: int | None = None
    team: str | None = None


class NoteSeed(_Strict):
    ticket_id: int
    note: str
    hidden: bool = False


class KBSeed(_Strict):
    name: str
    description: str = ""
    resolution: str = ""
    tags: str = ""


class NamedSeed(_Strict):
    """A user or site to rename (existing id) or add (new id; users need an email)."""

    id: int
    name: str
    email: str | None = None
    site_id: int | None = None


class FaultSpec(_Strict):
    """A sandbox fault armed before turn `before_turn` (1-based). `expire_tokens` expires live tokens."""

    kind: Literal["status", "latency", "drop", "timeout", "commit_then_timeout", "expire_tokens"]
    before_turn: int = Field(default=1, ge=1)
    status: int = 503
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    retry_after: str | None = None
    seconds: float | None = None


class Setup(_Strict):
    """The demo seed plus these changes."""

    tickets: list[TicketSeed] = []
    notes: list[NoteSeed] = []
    kb: list[KBSeed] = []
    users: list[NamedSeed] = []
    sites: list[NamedSeed] = []
    faults: list[FaultSpec] = []


class Turn(_Strict):
    """One act: the person says something, or an approver approves/denies the call paused in turn N."""

    user: str | None = None
    approve: int | None = Field(default=None, ge=1)
    deny: int | None = Field(default=None, ge=1)
    actor: Actor | None = Field(default=None, alias="as")
    reason: str | None = None

    @model_validator(mode="after")
    def _one_act(self) -> Turn:
        acts = [x for x in (self.user, self.approve, self.deny) if x is not None]
        if len(acts) != 1:
            raise ValueError("a turn is exactly one of: user, approve, deny")
        if self.user is None and self.actor is None:
            raise ValueError("an approve/deny turn names the approver with `as: {role, agent_id}`")
        return self


class CallMatcher(_Strict):
    tool: str
    args: dict[str, Matcher] = {}


class DecisionMatcher(_Strict):
    """A policy decision that must appear in the audit log (any event: proposal, pending act, run)."""

    decision: Literal["allow", "deny", "confirm", "approval", "invalid"]
    rule: str | None = None
    tool: str | None = None


class WriteCounts(_Strict):
    """Exact numbers of tickets created, tickets updated and notes (actions) added."""

    created: int | None = None
    updated: int | None = None
    notes: int | None = None


class AnswerExpect(_Strict):
    """Phrases (case-insensitive) in the last answer; `not_contains` applies to every answer."""

    contains: list[str] = []
    contains_any: list[list[str]] = []
    not_contains: list[str] = []


class Budget(_Strict):
    round_trips: int | None = None
    halo_calls: int | None = None


class Expectations(_Strict):
    """`changed`: ticket id (or "created") -> field -> matcher; any write elsewhere fails the case."""

    changed: dict[str, dict[str, Matcher]] = {}
    protected: dict[int, list[str]] = {}
    writes: WriteCounts = WriteCounts()
    decisions: list[DecisionMatcher] = []
    calls: list[CallMatcher] = []
    forbidden_calls: list[CallMatcher] = []
    no_calls: bool = False
    answer: AnswerExpect = AnswerExpect()
    budget: Budget = Budget()

    @field_validator("changed", mode="before")
    @classmethod
    def _ticket_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        for key in value:
            if key != "created" and not str(key).isdigit():
                raise ValueError(f"{key!r} is neither a ticket id nor 'created'")
        return {str(key): fields for key, fields in value.items()}


class ScriptedCall(_Strict):
    tool: str
    args: dict[str, Any] = {}


class ReferenceStep(_Strict):
    """One model round trip of the reference solution: tool calls, text, or both."""

    calls: list[ScriptedCall] = []
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value


class Case(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.~-]*$")
    tags: list[str] = []
    description: str = ""
    actor: Actor
    setup: Setup = Setup()
    turns: list[Turn] = Field(min_length=1)
    variants: list[str] = []
    expect: Expectations = Expectations()
    reference: list[ReferenceStep] = Field(min_length=1)
    source: str = ""  # the file it came from, filled by the loader

    @model_validator(mode="after")
    def _first_turn_speaks(self) -> Case:
        if self.turns[0].user is None:
            raise ValueError("the first turn must be a user message")
        for index, turn in enumerate(self.turns, 1):
            target = turn.approve or turn.deny
            if target is not None and target >= index:
                raise ValueError(f"turn {index} acts on turn {target}, which has not happened yet")
        return self
