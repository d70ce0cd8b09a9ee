"""The policy engine: decides every proposed call from the caller's identity and facts fetched in code.

`decide` is a pure function of (principal, call, facts): no I/O, no clock, nothing the model wrote except
the validated arguments. Precedence, strongest first:

    1. deny      unknown role (`unknown-role`), no rule for the action (`default-deny`), a rule with
                 `effect: deny`, an argument the role may not set, a conflict with a forced value,
                 a matching `deny_when`, the scope (`own`: the target ticket's user must be the caller;
                 a missing or unchecked ticket is refused), the rate limit
    2. approval  the first matching `approval` rule: another principal with an approver role must approve
    3. confirm   `confirm: true`, a matching `confirm_when`, the hidden-in-public rule (a note the
                 ticket's user will see repeats an internal note read in the session), or the
                 untrusted-write rule (a write after Halo text entered the turn, on a target the person
                 did not name)
    4. allow

A confirmation never downgrades a deny or an approval. Every Decision names the rule that made it.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from halo_agent.errors import PolicyFileError
from halo_agent.policies.matching import condition_matches, label
from halo_agent.policies.schema import ActionRule, PolicyFile, RolePolicy, reference_problems
from halo_agent.policies.types import Decision, Facts, ProposedCall
from halo_agent.principal import Principal
from halo_agent.textfile import read_text

if TYPE_CHECKING:
    from halo_agent.tools.registry import ToolRegistry

DEFAULT_POLICY = "default.yaml"
HIDDEN_IN_PUBLIC_RULE = "hidden-note-in-public"


def _deny(rule_id: str, reason: str) -> Decision:
    return Decision(kind="deny", rule_id=rule_id, reason=reason)


def tool_arguments(registry: ToolRegistry) -> dict[str, list[str]]:
    """Tool name -> its argument names: what a policy may name (`PolicyEngine.name_problems`)."""
    return {spec.name: list(spec.args_model.model_fields) for spec in registry}


class PolicyProblemsError(PolicyFileError):
    """An invalid policy file with every problem found, as (field, problem); the message names the first."""

    def __init__(self, source: str | Path, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        field, problem = problems[0]
        others = len(problems) - 1
        more = f" (and {others} more problem(s): halo-agent policy check lists them)" if others else ""
        super().__init__(source, field, problem + more)


class PolicyEngine:
    def __init__(self, policy: PolicyFile, source: str = "<policy>") -> None:
        self.policy = policy
        self.source = source

    # loading ---------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | None = None) -> PolicyEngine:
        """Load and validate a policy file; None loads the packaged default.yaml. Raises PolicyFileError."""
        if path is None:
            resource = importlib.resources.files("halo_agent.policies").joinpath(DEFAULT_POLICY)
            return cls.from_yaml(resource.read_text(encoding="utf-8"), f"{DEFAULT_POLICY} (packaged)")
        return cls.from_yaml(read_text(Path(path), PolicyFileError), str(path))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<policy>") -> PolicyEngine:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyFileError(source, "", f"not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise PolicyFileError(source, "", "the file must be a YAML mapping with `version` and `roles`")
        return cls(_validate(data, source), source)

    # questions -------------------------------------------------------------------------------------
    def roles(self) -> list[str]:
        return list(self.policy.roles)

    def actions_for(self, role: str) -> frozenset[str]:
        """The actions this role can ever be allowed (possibly after confirmation or approval)."""
        role_policy = self.policy.roles.get(role)
        if role_policy is None:
            return frozenset()
        return frozenset(a for a, rule in role_policy.actions.items() if rule.effect == "allow")

    def rate_window_seconds(self, role: str, action: str) -> int | None:
        rule = self._rule(role, action)
        return rule.rate_limit.window_seconds if rule and rule.rate_limit else None

    def settable_args(self, role: str) -> dict[str, frozenset[str]]:
        """Per action with `allowed_args`: the arguments the role may set (to trim the tools offered)."""
        role_policy = self.policy.roles.get(role)
        actions = role_policy.actions.items() if role_policy else ()
        return {a: frozenset(r.allowed_args) for a, r in actions if r.allowed_args is not None}

    def require_known_names(self, tools: Mapping[str, Collection[str]]) -> None:
        """Refuse a policy naming actions or arguments no tool has: such a gate would never apply."""
        problems = self.name_problems(tools)
        if problems:
            raise PolicyProblemsError(self.source, problems)

    def unknown_names(self, tools: Mapping[str, Collection[str]]) -> list[str]:
        """`name_problems` as 'field: problem' lines."""
        return [f"{field}: {problem}" for field, problem in self.name_problems(tools)]

    def name_problems(self, tools: Mapping[str, Collection[str]]) -> list[tuple[str, str]]:
        """Actions and arguments the file names that no tool has (tool name -> argument names).

        A misspelt `when` key never matches, so a gate would silently never apply: a policy with unknown
        names is refused at start and by `policy check`.
        """
        problems: list[tuple[str, str]] = []
        for role, role_policy in self.policy.roles.items():
            for action, rule in role_policy.actions.items():
                path = f"roles.{role}.actions.{action}"
                if action not in tools:
                    problems.append((path, f"no tool is called {action!r}"))
                    continue
                unknown = sorted(_named_args(rule) - set(tools[action]))
                problems += [(path, f"{action} has no argument {name!r}") for name in unknown]
        return problems

    def _rule(self, role: str, action: str) -> ActionRule | None:
        role_policy = self.policy.roles.get(role)
        return role_policy.actions.get(action) if role_policy else None

    # decisions -------------------------------------------------------------------------------------
    def decide(self, principal: Principal, call: ProposedCall, facts: Facts) -> Decision:
        role_policy = self.policy.roles.get(principal.role)
        if role_policy is None:
            return _deny("unknown-role",
                         f"your role ({principal.role}) is not in the policy, so nothing is allowed")
        rule = role_policy.actions.get(call.action)
        if rule is None:
            return _deny("default-deny", f"{_as_role(principal.role)} you can't use {label(call.action)}")
        if rule.effect == "deny":
            return _deny(rule.id,
                         rule.reason or f"{_as_role(principal.role)} you can't use {label(call.action)}")
        args = {**call.args, **rule.forced_args}
        refusal = (
            _check_args(rule, principal.role, call)
            or _check_deny_when(rule, args)
            or _check_scope(rule, principal, call, facts)
            or _check_rate(rule, facts)
        )
        if refusal:
            return refusal
        return self._gate(rule, role_policy, principal.role, call, facts, args)

    def _gate(
        self, rule: ActionRule, role_policy: RolePolicy, role: str, call: ProposedCall, facts: Facts,
        args: Mapping[str, Any],
    ) -> Decision:
        extra: dict[str, Any] = {"scope": rule.scope, "forced_args": dict(rule.forced_args)}
        for approval in rule.approval:
            if condition_matches(approval.when, args):
                by = _roles(approval.approvers)
                reason = approval.reason or f"{label(call.action)} needs approval by {by}"
                return Decision(kind="approval", rule_id=approval.id, reason=reason,
                                approver_roles=list(approval.approvers), **extra)
        confirm = (
            self._hidden_in_public(facts) or _confirmation(rule, call, args)
            or self._untrusted(role_policy, role, call, facts)
        )
        if confirm:
            return Decision(kind="confirm", rule_id=confirm[0], reason=confirm[1], **extra)
        own = " (own tickets only)" if rule.scope == "own" else ""
        reason = rule.reason or f"{_as_role(role)} you may use {label(call.action)}{own}"
        return Decision(kind="allow", rule_id=rule.id, reason=reason, **extra)

    def _untrusted(
        self, role_policy: RolePolicy, role: str, call: ProposedCall, facts: Facts
    ) -> tuple[str, str] | None:
        setting = role_policy.untrusted_write or self.policy.untrusted_write
        if setting != "confirm" or call.risk == "read":
            return None
        if not facts.untrusted_text_in_turn or facts.target_named_by_user:
            return None
        rule_id = f"{role}-untrusted-write" if role_policy.untrusted_write else "untrusted-write"
        return rule_id, (
            f"{label(call.action)} was proposed after text from Halo entered the conversation and you did "
            "not name its target yourself: please confirm it is what you asked for"
        )

    def _hidden_in_public(self, facts: Facts) -> tuple[str, str] | None:
        """Hidden stays hidden: a note the user will see that repeats an internal note, overlap shown."""
        passage = facts.public_text_repeats_hidden
        if self.policy.hidden_in_public != "confirm" or not passage:
            return None
        shown = passage if len(passage) <= 160 else passage[:157] + "..."
        return HIDDEN_IN_PUBLIC_RULE, (
            f"this note will be visible to the ticket's user and repeats an internal note read earlier: "
            f"\"{shown}\". Please confirm the user may see this"
        )

    def may_approve(self, approver: Principal, requester_key: str, approver_roles: list[str]) -> Decision:
        """May `approver` approve a request made by `requester_key`? Never their own; only listed roles."""
        if approver.key == requester_key:
            return _deny("approval-not-self", "you cannot approve your own request; ask another approver")
        if approver.role not in approver_roles:
            return _deny("approval-approver-role", f"only {_roles(approver_roles)} may approve this request")
        return Decision(kind="allow", rule_id="approval-approver-role",
                        reason=f"{approver.describe()} holds an approver role and is not the requester")


# the checks, each returning a deny or None ---------------------------------------------------------------
def _check_args(rule: ActionRule, role: str, call: ProposedCall) -> Decision | None:
    for name, value in call.args.items():
        if name in rule.forced_args:
            if rule.forced_conflict == "refuse" and value != rule.forced_args[name]:
                forced = rule.forced_args[name]
                return _deny(rule.id, f"{_as_role(role)} you can't set {_words(name)} to {json.dumps(value)} "
                                      f"for {label(call.action)}: it is always {json.dumps(forced)}")
        elif rule.allowed_args is not None and name not in rule.allowed_args:
            return _deny(rule.id, f"{_as_role(role)} you can't choose the {_words(name)} for "
                                  f"{label(call.action)}")
    return None


def _as_role(role: str) -> str:
    # Read by the person refused, so their role in words, not a quoted identifier.
    return f"as {'an' if role[:1] in 'aeiou' else 'a'} {role}"


def _words(argument: str) -> str:
    return argument.replace("_", " ")


def _check_deny_when(rule: ActionRule, args: Mapping[str, Any]) -> Decision | None:
    for condition in rule.deny_when:
        if condition_matches(condition.when, args):
            what = ", ".join(f"{k}={args[k]!r}" for k in condition.when)
            return _deny(condition.id, condition.reason or f"{what} is not allowed here")
    return None


def _check_scope(rule: ActionRule, principal: Principal, call: ProposedCall, facts: Facts) -> Decision | None:
    if rule.scope != "own":
        return None
    if principal.halo_user_id is None:
        return _deny(rule.id, "your Halo user is not known, so your own tickets cannot be checked")
    asked = call.args.get("ticket_id")
    ticket = facts.target_ticket_id
    if asked is not None and ticket != asked:
        return _deny(rule.id, f"who owns ticket {asked} was not checked, so it cannot be used")
    if ticket is None:
        return None  # no target ticket: the handler applies scope own (list filters, create for self)
    if facts.ticket_exists is False:
        return _deny(rule.id, f"ticket {ticket} does not exist")
    if facts.ticket_exists is None or facts.ticket_owner_user_id is None:
        return _deny(rule.id, f"who owns ticket {ticket} could not be checked, so it cannot be used")
    if facts.ticket_owner_user_id != principal.halo_user_id:
        return _deny(rule.id, f"ticket {ticket} is not one of your tickets, and {_as_role(principal.role)} "
                              "you can only work on your own")
    return None


def _check_rate(rule: ActionRule, facts: Facts) -> Decision | None:
    limit = rule.rate_limit
    if limit is None or facts.recent_calls < limit.max_calls:
        return None
    return _deny(limit.id, f"rate limit reached: at most {limit.max_calls} calls per "
                           f"{_duration(limit.window_seconds)}; try again later")


def _confirmation(rule: ActionRule, call: ProposedCall, args: Mapping[str, Any]) -> tuple[str, str] | None:
    for condition in rule.confirm_when:
        if condition_matches(condition.when, args):
            return condition.id, condition.reason or f"{label(call.action)} needs your confirmation"
    if rule.confirm:
        return rule.id, rule.reason or f"{label(call.action)} needs your confirmation"
    return None


# helpers ---------------------------------------------------------------------------------------------
def _named_args(rule: ActionRule) -> set[str]:
    names = set(rule.allowed_args or ()) | set(rule.forced_args)
    for condition in (*rule.deny_when, *rule.confirm_when, *rule.approval):
        names |= set(condition.when)
    return names


def _validate(data: dict[str, Any], source: str) -> PolicyFile:
    try:
        policy = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise PolicyProblemsError(source, [_field_problem(error) for error in exc.errors()]) from None
    problems = reference_problems(policy)
    if problems:
        raise PolicyProblemsError(source, problems)
    return policy


def _field_problem(error: ErrorDetails) -> tuple[str, str]:
    path = ".".join(str(part) for part in error["loc"])
    return path, "unknown field (not allowed here)" if error["type"] == "extra_forbidden" else error["msg"]


def _roles(roles: list[str]) -> str:
    return " or ".join(f"an {r}" if r[:1] in "aeiou" else f"a {r}" for r in roles)


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
