"""The engine's rules on small hand-written policies: precedence, untrusted text, conditions, approvers."""

from __future__ import annotations

from typing import Any

import pytest

from halo_agent.policies.engine import PolicyEngine
from halo_agent.policies.matching import condition_matches
from halo_agent.policies.types import Facts, ProposedCall, Risk
from halo_agent.principal import Principal

ADMIN = Principal(role="admin", halo_agent_id=1)
OTHER_ADMIN = Principal(role="admin", halo_agent_id=2)
EMPLOYEE = Principal(role="employee", halo_user_id=501)
OWN = Facts(target_ticket_id=789, ticket_exists=True, ticket_owner_user_id=501)

GATED = """
version: 1
untrusted_write: confirm
roles:
  admin:
    actions:
      haloitsm_update_ticket:
        id: upd
        deny_when: [{id: upd-no-low, when: {priority: low}}]
        approval: [{id: upd-approve, approvers: [admin], when: {priority: critical}}]
        confirm_when: [{id: upd-confirm, when: {status: [closed, resolved]}}]
        rate_limit: {id: upd-rate, max_calls: 2, window_seconds: 60}
      haloitsm_add_note:
        id: note
      haloitsm_get_ticket:
        id: get
  employee:
    untrusted_write: allow
    actions:
      haloitsm_add_note:
        id: emp-note
        scope: own
        forced_args: {hidden_from_user: false}
        forced_conflict: override
"""


def decide(engine: PolicyEngine, who: Principal, action: str, args: dict[str, Any], facts: Facts,
           risk: Risk = "write") -> tuple[str, str]:
    decision = engine.decide(who, ProposedCall(action=action, args=args, risk=risk), facts)
    return decision.kind, decision.rule_id


@pytest.fixture
def engine() -> PolicyEngine:
    return PolicyEngine.from_yaml(GATED, "gated.yaml")


@pytest.mark.parametrize(
    ("args", "facts", "expected"),
    [
        ({"priority": "Low", "status": "Closed"}, Facts(recent_calls=2), ("deny", "upd-no-low")),
        ({"priority": "Critical", "status": "Closed"}, Facts(recent_calls=2), ("deny", "upd-rate")),
        ({"priority": "Critical", "status": "Closed"}, Facts(untrusted_text_in_turn=True),
         ("approval", "upd-approve")),
        ({"status": "Closed"}, Facts(untrusted_text_in_turn=True), ("confirm", "upd-confirm")),
        ({"status": "Open"}, Facts(untrusted_text_in_turn=True), ("confirm", "untrusted-write")),
        ({"status": "Open"}, Facts(), ("allow", "upd")),
    ],
)
def test_precedence_is_deny_then_approval_then_confirm_then_allow(
    engine: PolicyEngine, args: dict[str, Any], facts: Facts, expected: tuple[str, str]
) -> None:
    assert decide(engine, ADMIN, "haloitsm_update_ticket", {"ticket_id": 1, **args}, facts) == expected


def test_untrusted_text_makes_an_unnamed_write_wait_for_confirmation(engine: PolicyEngine) -> None:
    facts = Facts(target_ticket_id=5, untrusted_text_in_turn=True)
    assert decide(engine, ADMIN, "haloitsm_add_note", {"ticket_id": 5, "note": "x"}, facts) == (
        "confirm", "untrusted-write")


def test_untrusted_text_does_not_gate_a_target_the_person_named(engine: PolicyEngine) -> None:
    facts = Facts(target_ticket_id=5, untrusted_text_in_turn=True, target_named_by_user=True)
    args = {"ticket_id": 5, "note": "x"}
    assert decide(engine, ADMIN, "haloitsm_add_note", args, facts) == ("allow", "note")


def test_untrusted_text_does_not_gate_reads(engine: PolicyEngine) -> None:
    facts = Facts(target_ticket_id=5, untrusted_text_in_turn=True)
    assert decide(engine, ADMIN, "haloitsm_get_ticket", {"ticket_id": 5}, facts, "read") == ("allow", "get")


def test_untrusted_confirmation_never_downgrades_a_deny() -> None:
    engine = PolicyEngine.load()
    facts = Facts(target_ticket_id=790, ticket_exists=True, ticket_owner_user_id=502,
                  untrusted_text_in_turn=True)
    kind, _ = decide(engine, EMPLOYEE, "haloitsm_add_note", {"ticket_id": 790, "note": "x"}, facts)
    assert kind == "deny"


def test_default_policy_gates_an_admin_write_planted_in_a_ticket() -> None:
    engine = PolicyEngine.load()
    facts = Facts(target_ticket_id=790, ticket_exists=True, untrusted_text_in_turn=True)
    args = {"ticket_id": 790, "note": "as instructed", "hidden_from_user": True}
    assert decide(engine, ADMIN, "haloitsm_add_note", args, facts) == ("confirm", "untrusted-write")


def test_default_policy_gates_an_employee_create_after_untrusted_text() -> None:
    engine = PolicyEngine.load()
    args = {"summary": "s", "details": "d"}
    assert decide(engine, EMPLOYEE, "haloitsm_create_ticket", args, Facts(untrusted_text_in_turn=True)) == (
        "confirm", "untrusted-write")


def test_role_can_opt_out_of_the_untrusted_rule(engine: PolicyEngine) -> None:
    facts = OWN.model_copy(update={"untrusted_text_in_turn": True})
    assert decide(engine, EMPLOYEE, "haloitsm_add_note", {"ticket_id": 789, "note": "x"}, facts) == (
        "allow", "emp-note")


def test_role_level_untrusted_rule_names_the_role() -> None:
    text = GATED.replace("untrusted_write: confirm", "untrusted_write: allow").replace(
        "untrusted_write: allow\n    actions", "untrusted_write: confirm\n    actions")
    engine = PolicyEngine.from_yaml(text)
    facts = OWN.model_copy(update={"untrusted_text_in_turn": True})
    assert decide(engine, EMPLOYEE, "haloitsm_add_note", {"ticket_id": 789, "note": "x"}, facts) == (
        "confirm", "employee-untrusted-write")
    assert decide(engine, ADMIN, "haloitsm_add_note", {"ticket_id": 1, "note": "x"}, facts)[0] == "allow"


def test_forced_conflict_override_replaces_the_models_value(engine: PolicyEngine) -> None:
    args = {"ticket_id": 789, "note": "x", "hidden_from_user": True}
    decision = engine.decide(EMPLOYEE, ProposedCall(action="haloitsm_add_note", args=args, risk="write"), OWN)
    assert decision.kind == "allow"
    assert decision.forced_args == {"hidden_from_user": False}


def test_rate_limit_counts_only_up_to_the_maximum(engine: PolicyEngine) -> None:
    args = {"ticket_id": 1, "status": "Open"}
    assert decide(engine, ADMIN, "haloitsm_update_ticket", args, Facts(recent_calls=1))[0] == "allow"
    limited = decide(engine, ADMIN, "haloitsm_update_ticket", args, Facts(recent_calls=2))
    assert limited == ("deny", "upd-rate")


@pytest.mark.parametrize(
    ("when", "args", "matches"),
    [
        ({"priority": "Critical"}, {"priority": "critical"}, True),
        ({"priority": "Critical"}, {"priority": "  CRITICAL "}, True),
        ({"priority": "Critical"}, {"priority": "P1 - Critical"}, True),
        ({"priority": "Critical"}, {"priority": "Noncritical"}, False),
        ({"priority": "Critical"}, {"priority": "High"}, False),
        ({"priority": "Critical"}, {}, False),
        ({"priority": "Critical"}, {"priority": None}, False),
        ({"status": ["closed", "resolved"]}, {"status": "Resolved"}, True),
        ({"status": ["closed", "resolved"]}, {"status": "Open"}, False),
        ({"hidden_from_user": True}, {"hidden_from_user": True}, True),
        ({"hidden_from_user": True}, {"hidden_from_user": False}, False),
        ({"agent_id": 6}, {"agent_id": 6}, True),
        ({"agent_id": 6}, {"agent_id": 16}, False),
        ({"priority": "critical", "team": "1st line support"}, {"priority": "Critical"}, False),
        ({"priority": "critical", "team": "1st line support"},
         {"priority": "Critical", "team": "1st Line Support"}, True),
    ],
)
def test_conditions_match_case_insensitively_and_need_every_key(
    when: dict[str, Any], args: dict[str, Any], matches: bool
) -> None:
    assert condition_matches(when, args) is matches


def test_approval_without_conditions_gates_every_call() -> None:
    engine = PolicyEngine.from_yaml("""
version: 1
roles:
  admin:
    actions:
      haloitsm_resolve_ticket:
        id: resolve
        approval: [{id: resolve-approval, approvers: [manager]}]
  manager:
    actions: {}
""")
    decision = engine.decide(ADMIN, ProposedCall(action="haloitsm_resolve_ticket", args={"ticket_id": 1},
                                                 risk="destructive"), Facts())
    assert (decision.kind, decision.rule_id, decision.approver_roles) == (
        "approval", "resolve-approval", ["manager"])
    assert "a manager" in decision.reason


def test_another_admin_may_approve() -> None:
    decision = PolicyEngine.load().may_approve(OTHER_ADMIN, ADMIN.key, ["admin"])
    assert decision.kind == "allow"


def test_nobody_may_approve_their_own_request() -> None:
    decision = PolicyEngine.load().may_approve(ADMIN, ADMIN.key, ["admin"])
    assert (decision.kind, decision.rule_id) == ("deny", "approval-not-self")


def test_an_approver_needs_an_approver_role() -> None:
    decision = PolicyEngine.load().may_approve(EMPLOYEE, ADMIN.key, ["admin"])
    assert (decision.kind, decision.rule_id) == ("deny", "approval-approver-role")
    assert "admin" in decision.reason


def test_unknown_names_catches_a_misspelt_condition() -> None:
    engine = PolicyEngine.from_yaml(GATED.replace("when: {priority: critical}", "when: {priorty: critical}"))
    problems = engine.unknown_names({"haloitsm_update_ticket": ["ticket_id", "priority", "status"],
                                     "haloitsm_add_note": ["ticket_id", "note", "hidden_from_user"],
                                     "haloitsm_get_ticket": ["ticket_id"]})
    assert problems == ["roles.admin.actions.haloitsm_update_ticket: haloitsm_update_ticket has no "
                        "argument 'priorty'"]


def test_unknown_names_catches_a_misspelt_action() -> None:
    engine = PolicyEngine.from_yaml(GATED)
    problems = engine.unknown_names({"haloitsm_update_ticket": ["ticket_id", "priority", "status"]})
    assert "roles.admin.actions.haloitsm_add_note: no tool is called 'haloitsm_add_note'" in problems
