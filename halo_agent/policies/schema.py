"""The policy file's schema: what a YAML policy may say, validated strictly (unknown fields are errors).

Shape (see default.yaml for a worked example):

    version: 1
    untrusted_write: confirm            # global: writes after untrusted Halo text, target not named
    hidden_in_public: confirm           # global: a public note repeating a hidden note read in the session
    roles:
      <role>:
        description: ...
        untrusted_write: confirm        # optional per-role override
        actions:
          <action>:
            id: <readable rule id>
            effect: allow | deny
            scope: any | own
            allowed_args: [..]          # omitted = any argument; forced_args keys are always allowed
            forced_args: {arg: value}
            forced_conflict: refuse | override
            deny_when:    [{id, when, reason}]
            confirm: true
            confirm_when: [{id, when, reason}]
            approval:     [{id, approvers, when, reason}]
            rate_limit:   {id, max_calls, window_seconds}
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

Scalar = str | int | bool
UntrustedWrite = Literal["confirm", "allow"]
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rule_id(value: str) -> str:
    if not _RULE_ID.match(value):
        raise ValueError("rule ids are lower-case letters, digits, '.', '_' or '-' (e.g. employee-create)")
    return value


RuleId = Annotated[str, AfterValidator(_check_rule_id)]


class Condition(_Strict):
    """A rule that applies when every `when` argument matches (see `engine.condition_matches`)."""

    id: RuleId
    when: dict[str, Scalar | list[Scalar]] = Field(min_length=1)
    reason: str | None = None


class ApprovalRule(Condition):
    """The call waits until a principal holding one of `approvers` (never the requester) approves."""

    approvers: list[str] = Field(min_length=1)
    when: dict[str, Scalar | list[Scalar]] = {}  # empty: every call of this action needs approval


class RateLimit(_Strict):
    id: RuleId
    max_calls: int = Field(ge=1)
    window_seconds: int = Field(ge=1, le=31 * 24 * 3600)


class ActionRule(_Strict):
    id: RuleId
    effect: Literal["allow", "deny"] = "allow"
    reason: str | None = None
    scope: Literal["any", "own"] = "any"
    allowed_args: list[str] | None = None
    forced_args: dict[str, Any] = {}
    forced_conflict: Literal["refuse", "override"] = "refuse"
    deny_when: list[Condition] = []
    confirm: bool = False
    confirm_when: list[Condition] = []
    approval: list[ApprovalRule] = []
    rate_limit: RateLimit | None = None

    @field_validator("forced_args")
    @classmethod
    def _scalars_only(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, forced in value.items():
            if not isinstance(forced, str | int | float | bool):
                raise ValueError(f"{name}: a forced value must be a string, number or boolean")
        return value


class RolePolicy(_Strict):
    description: str = ""
    untrusted_write: UntrustedWrite | None = None  # None: the file's global setting
    actions: dict[str, ActionRule] = {}


class PolicyFile(_Strict):
    version: Literal[1]
    untrusted_write: UntrustedWrite = "confirm"
    # A public or closing note repeating a hidden note read in the session waits for the person's yes.
    hidden_in_public: UntrustedWrite = "confirm"
    roles: dict[str, RolePolicy] = Field(min_length=1)


def rule_ids(policy: PolicyFile) -> list[tuple[str, str]]:
    """Every (path, rule id) in the file, in file order; used to reject duplicate ids."""
    found: list[tuple[str, str]] = []
    for role, role_policy in policy.roles.items():
        for action, rule in role_policy.actions.items():
            base = f"roles.{role}.actions.{action}"
            found.append((f"{base}.id", rule.id))
            for key in ("deny_when", "confirm_when", "approval"):
                conditions: list[Condition] = getattr(rule, key)
                found.extend((f"{base}.{key}.{i}.id", c.id) for i, c in enumerate(conditions))
            if rule.rate_limit:
                found.append((f"{base}.rate_limit.id", rule.rate_limit.id))
    return found


def reference_problems(policy: PolicyFile) -> list[tuple[str, str]]:
    """Every cross-reference problem (duplicate rule id, unknown approver role) as (field, problem)."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path, rule_id in rule_ids(policy):
        if rule_id in seen:
            problems.append((path, f"duplicate rule id {rule_id!r} (first used at {seen[rule_id]})"))
        seen.setdefault(rule_id, path)
    for role, role_policy in policy.roles.items():
        for action, rule in role_policy.actions.items():
            for i, approval in enumerate(rule.approval):
                unknown = [r for r in approval.approvers if r not in policy.roles]
                if unknown:
                    path = f"roles.{role}.actions.{action}.approval.{i}.approvers"
                    problems.append((path, f"unknown role {unknown[0]!r} (roles: {', '.join(policy.roles)})"))
    return problems
