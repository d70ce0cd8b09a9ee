"""What the executor hands the policy engine, and what the engine answers. Pure data, no I/O."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Risk = Literal["read", "write", "destructive"]
DecisionKind = Literal["allow", "deny", "confirm", "approval"]
Scope = Literal["any", "own"]


class ProposedCall(BaseModel):
    """A validated tool call: `args` is the argument model dumped with exclude_unset (what was given)."""

    model_config = ConfigDict(frozen=True)

    action: str
    args: dict[str, Any]
    risk: Risk


class Facts(BaseModel):
    """What the executor fetched or knows before the decision. The engine never fetches anything."""

    target_ticket_id: int | None = None
    ticket_exists: bool | None = None  # None: no target ticket, or not looked up
    ticket_owner_user_id: int | None = None  # the ticket's user_id in Halo, fetched fresh
    ticket_priority: str | None = None  # current priority name of the target ticket
    # The person's own current message asks for this write on this target (tools/asked.py); reading or
    # naming it earlier does not count.
    target_named_by_user: bool = False
    untrusted_text_in_turn: bool = False  # Halo text is in what the model sees (any earlier turn included)
    recent_calls: int = 0  # this principal's calls of this action inside the rule's rate window
    # The passage a public (or closing) note repeats from a hidden note read in the session, if any.
    public_text_repeats_hidden: str | None = None


class Decision(BaseModel):
    """The engine's answer. `rule_id` names the rule that decided; `reason` is for a person to read."""

    model_config = ConfigDict(frozen=True)

    kind: DecisionKind
    rule_id: str
    reason: str
    scope: Scope = "any"
    forced_args: dict[str, Any] = {}  # values the executor must apply over the model's arguments
    approver_roles: list[str] = []

    @property
    def allowed(self) -> bool:
        return self.kind == "allow"
