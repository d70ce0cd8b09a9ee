"""Table-driven: every role × action × scope × field rule of the packaged default.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from halo_agent.policies.engine import PolicyEngine
from halo_agent.policies.schema import rule_ids
from halo_agent.policies.types import DecisionKind, Facts, ProposedCall
from halo_agent.principal import Principal
from halo_agent.tools.registry import default_registry

ENGINE = PolicyEngine.load()
RISK = {spec.name: spec.risk for spec in default_registry()}
ADMIN = Principal(role="admin", halo_agent_id=1, name="Alex Morgan")
EMPLOYEE = Principal(role="employee", halo_user_id=501, email="emma.hart@example.com")
OWN = Facts(target_ticket_id=789, ticket_exists=True, ticket_owner_user_id=501)
OTHERS = Facts(target_ticket_id=790, ticket_exists=True, ticket_owner_user_id=502)
MISSING = Facts(target_ticket_id=999, ticket_exists=False)
UNCHECKED = Facts()
NEW = {"summary": "Laptop battery", "details": "It will not charge."}


@dataclass
class Row:
    who: Principal
    action: str
    args: dict[str, Any]
    kind: DecisionKind
    rule: str
    facts: Facts = field(default_factory=Facts)
    reason_has: str = ""

    def __str__(self) -> str:
        return f"{self.who.role}-{self.action.removeprefix('haloitsm_')}-{self.rule}-{sorted(self.args)}"


def n(count: int) -> Facts:
    return Facts(recent_calls=count)


def own(count: int) -> Facts:
    return OWN.model_copy(update={"recent_calls": count})


A, E = ADMIN, EMPLOYEE
CREATE = "haloitsm_create_ticket"
GET = "haloitsm_get_ticket"
LIST = "haloitsm_list_tickets"
UPDATE = "haloitsm_update_ticket"
NOTE = "haloitsm_add_note"
RESOLVE = "haloitsm_resolve_ticket"
LOOKUP = "haloitsm_lookup"
OPTIONS = "haloitsm_ticket_options"
KB = "haloitsm_search_kb"
ROWS = [
    # admin: everything, gates on closing and on Critical, rate limits on writes
    Row(A, CREATE, {**NEW, "site": 18, "team": "1st Line Support", "agent": 6},
        "allow", "admin-create-ticket"),
    Row(A, CREATE, {**NEW, "priority": "High"}, "allow", "admin-create-ticket"),
    Row(A, CREATE, {**NEW, "priority": "Critical"}, "approval",
        "admin-critical-create-approval", reason_has="another admin"),
    Row(A, CREATE, {**NEW, "priority": "P1 - CRITICAL"}, "approval",
        "admin-critical-create-approval"),
    Row(A, CREATE, NEW, "deny", "admin-create-ticket-rate", n(100), "at most 100"),
    Row(A, CREATE, NEW, "allow", "admin-create-ticket", n(99)),
    Row(A, GET, {"ticket_id": 790}, "allow", "admin-get-ticket", OTHERS),
    Row(A, LIST, {"agent": 6, "ticket_type": "Incident", "status": "open"},
        "allow", "admin-list-tickets"),
    Row(A, UPDATE, {"ticket_id": 789, "priority": "High", "team": "2nd Line Support"},
        "allow", "admin-update-ticket", OWN),
    Row(A, UPDATE, {"ticket_id": 789, "priority": "critical"}, "approval",
        "admin-critical-update-approval", OWN),
    Row(A, UPDATE, {"ticket_id": 789, "status": "Closed"}, "confirm",
        "admin-close-via-update-confirm", OWN),
    Row(A, UPDATE, {"ticket_id": 789, "status": "In Progress"}, "allow",
        "admin-update-ticket", OWN),
    Row(A, UPDATE, {"ticket_id": 789, "priority": "Critical", "status": "Resolved"},
        "approval", "admin-critical-update-approval", OWN),
    Row(A, UPDATE, {"ticket_id": 789, "agent": 2}, "deny", "admin-update-ticket-rate",
        own(200)),
    Row(A, NOTE, {"ticket_id": 789, "note": "vendor", "hidden_from_user": True}, "allow",
        "admin-add-note", OWN),
    Row(A, NOTE, {"ticket_id": 789, "note": "x"}, "deny", "admin-add-note-rate", own(200)),
    Row(A, RESOLVE, {"ticket_id": 790, "note": "renewed"}, "confirm", "admin-resolve-ticket",
        OTHERS, "notifies the user"),
    Row(A, RESOLVE, {"ticket_id": 790}, "deny", "admin-resolve-ticket-rate",
        OTHERS.model_copy(update={"recent_calls": 100})),
    Row(A, LOOKUP, {"kind": "users", "search": "emma"}, "allow", "admin-lookup"),
    Row(A, OPTIONS, {}, "allow", "admin-ticket-options"),
    Row(A, KB, {"query": "password"}, "allow", "admin-search-kb"),
    # employee: own tickets, allowed fields only, public notes, no Critical, confirm to close
    Row(E, CREATE, {**NEW, "priority": "High", "ticket_type": "Incident"}, "allow",
        "employee-create-ticket"),
    Row(E, CREATE, {**NEW, "agent": 6}, "deny", "employee-create-ticket",
        reason_has="agent"),
    Row(E, CREATE, {**NEW, "team": "2nd Line Support"}, "deny", "employee-create-ticket",
        reason_has="team"),
    Row(E, CREATE, {**NEW, "site": 18}, "deny", "employee-create-ticket",
        reason_has="site"),
    Row(E, CREATE, {**NEW, "user": "liam.cole@example.com"}, "deny",
        "employee-create-ticket", reason_has="user"),
    Row(E, CREATE, {**NEW, "priority": "Critical"}, "deny", "employee-no-critical",
        reason_has="Critical"),
    Row(E, CREATE, NEW, "deny", "employee-create-ticket-rate", n(20), "at most 20 calls per hour"),
    Row(E, CREATE, NEW, "allow", "employee-create-ticket", n(19)),
    Row(E, GET, {"ticket_id": 789}, "allow", "employee-get-ticket", OWN),
    Row(E, GET, {"ticket_id": 790}, "deny", "employee-get-ticket", OTHERS, "not one of your"),
    Row(E, GET, {"ticket_id": 999}, "deny", "employee-get-ticket", MISSING, "does not exist"),
    Row(E, GET, {"ticket_id": 789}, "deny", "employee-get-ticket", UNCHECKED, "not checked"),
    Row(E, GET, {"ticket_id": 789}, "deny", "employee-get-ticket-rate", own(300)),
    Row(E, LIST, {"mine": True, "status": "open", "search": "email"}, "allow",
        "employee-list-tickets"),
    Row(E, LIST, {"agent": 6}, "deny", "employee-list-tickets", reason_has="agent"),
    Row(E, LIST, {"team": "1st Line Support"}, "deny", "employee-list-tickets"),
    Row(E, LIST, {}, "deny", "employee-list-tickets-rate", n(300)),
    Row(E, NOTE, {"ticket_id": 789, "note": "still broken"}, "allow", "employee-add-note", OWN),
    Row(E, NOTE, {"ticket_id": 789, "note": "x", "hidden_from_user": False}, "allow",
        "employee-add-note", OWN),
    Row(E, NOTE, {"ticket_id": 789, "note": "x", "hidden_from_user": True}, "deny",
        "employee-add-note", OWN, "hidden from user to true"),
    Row(E, NOTE, {"ticket_id": 790, "note": "x"}, "deny", "employee-add-note", OTHERS),
    Row(E, NOTE, {"ticket_id": 789, "note": "x"}, "deny", "employee-add-note-rate", own(30)),
    Row(E, RESOLVE, {"ticket_id": 789, "note": "works"}, "confirm", "employee-resolve-ticket",
        OWN),
    Row(E, RESOLVE, {"ticket_id": 790}, "deny", "employee-resolve-ticket", OTHERS),
    Row(E, RESOLVE, {"ticket_id": 789, "status": "Cancelled"}, "deny",
        "employee-resolve-ticket", OWN, "status"),
    Row(E, RESOLVE, {"ticket_id": 789}, "deny", "employee-resolve-ticket-rate", own(20)),
    Row(E, KB, {"query": "reset password"}, "allow", "employee-search-kb"),
    Row(E, KB, {"query": "vpn"}, "deny", "employee-search-kb-rate", n(120)),
    Row(E, OPTIONS, {}, "allow", "employee-ticket-options"),
    Row(E, UPDATE, {"ticket_id": 789, "priority": "Low"}, "deny", "employee-no-update", OWN),
    Row(E, LOOKUP, {"kind": "users"}, "deny", "employee-no-lookup"),
    # outside the file
    Row(Principal(role="contractor", email="c@example.com"), "haloitsm_get_ticket", {"ticket_id": 789},
        "deny", "unknown-role", OWN),
    Row(A, "haloitsm_delete_ticket", {"ticket_id": 789}, "deny", "default-deny", OWN),
]


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_default_policy_decides(row: Row) -> None:
    call = ProposedCall(action=row.action, args=row.args, risk=RISK.get(row.action, "write"))
    decision = ENGINE.decide(row.who, call, row.facts)
    assert (decision.kind, decision.rule_id) == (row.kind, row.rule), decision.reason
    assert row.reason_has in decision.reason
    assert decision.reason


def test_every_rule_in_default_yaml_is_exercised_by_the_table() -> None:
    exercised = {row.rule for row in ROWS}
    missing = [rule for _, rule in rule_ids(ENGINE.policy) if rule not in exercised]
    assert missing == []


def test_employee_notes_carry_forced_public_visibility() -> None:
    call = ProposedCall(action="haloitsm_add_note", args={"ticket_id": 789, "note": "hi"}, risk="write")
    decision = ENGINE.decide(EMPLOYEE, call, OWN)
    assert decision.forced_args == {"hidden_from_user": False}
    assert decision.scope == "own"


def test_employee_list_and_create_return_scope_own_for_the_handler() -> None:
    for action, args in (("haloitsm_list_tickets", {}), ("haloitsm_create_ticket", NEW)):
        decision = ENGINE.decide(EMPLOYEE, ProposedCall(action=action, args=args, risk=RISK[action]), Facts())
        assert (decision.kind, decision.scope) == ("allow", "own")


def test_approval_names_the_approver_roles() -> None:
    call = ProposedCall(action="haloitsm_update_ticket", args={"ticket_id": 789, "priority": "Critical"},
                        risk="write")
    assert ENGINE.decide(ADMIN, call, OWN).approver_roles == ["admin"]


def test_scope_own_refuses_facts_about_another_ticket_than_the_argument() -> None:
    call = ProposedCall(action="haloitsm_get_ticket", args={"ticket_id": 790}, risk="read")
    decision = ENGINE.decide(EMPLOYEE, call, OWN)  # facts fetched for 789, the model asked for 790
    assert decision.kind == "deny"
    assert "790" in decision.reason


def test_scope_own_refuses_a_caller_without_a_halo_user() -> None:
    anonymous = Principal(role="employee", email="who@example.com")
    call = ProposedCall(action="haloitsm_get_ticket", args={"ticket_id": 789}, risk="read")
    assert ENGINE.decide(anonymous, call, OWN).kind == "deny"


def test_actions_offered_per_role() -> None:
    assert ENGINE.actions_for("admin") == set(RISK)
    assert ENGINE.actions_for("employee") == set(RISK) - {"haloitsm_update_ticket", "haloitsm_lookup"}
    assert ENGINE.actions_for("nobody") == frozenset()


def test_settable_args_trim_the_employee_schemas() -> None:
    settable = ENGINE.settable_args("employee")
    assert settable["haloitsm_create_ticket"] == {"summary", "details", "ticket_type", "priority"}
    assert settable["haloitsm_add_note"] == {"ticket_id", "note"}
    assert ENGINE.settable_args("admin") == {}


def test_rate_windows_come_from_the_rule() -> None:
    assert ENGINE.rate_window_seconds("employee", "haloitsm_create_ticket") == 3600
    assert ENGINE.rate_window_seconds("admin", "haloitsm_get_ticket") is None
    assert ENGINE.rate_window_seconds("nobody", "haloitsm_get_ticket") is None


def test_default_policy_names_only_real_tools_and_arguments() -> None:
    tools = {spec.name: list(spec.args_model.model_fields) for spec in default_registry()}
    assert ENGINE.unknown_names(tools) == []


def test_decide_does_not_change_the_call_or_the_facts() -> None:
    args = {"ticket_id": 789, "note": "x"}
    call = ProposedCall(action="haloitsm_add_note", args=args, risk="write")
    facts = OWN.model_copy()
    ENGINE.decide(EMPLOYEE, call, facts)
    assert args == {"ticket_id": 789, "note": "x"}
    assert facts == OWN


def test_a_refused_argument_is_explained_to_the_person_in_words() -> None:
    """The reason reaches the employee: their role in words, the argument in words, no quoted identifiers."""
    call = ProposedCall(action="haloitsm_add_note",
                        args={"ticket_id": 789, "note": "hi", "hidden_from_user": True}, risk="write")
    decision = ENGINE.decide(EMPLOYEE, call, OWN)
    assert decision.kind == "deny"
    assert decision.reason == (
        "as an employee you can't set hidden from user to true for add note: it is always false")


@pytest.mark.parametrize(
    ("action", "args", "facts", "reason"),
    [
        ("haloitsm_add_note", {"ticket_id": 790, "note": "hi"},
         Facts(target_ticket_id=790, ticket_exists=True, ticket_owner_user_id=502),
         "ticket 790 is not one of your tickets, and as an employee you can only work on your own"),
        ("haloitsm_resolve_ticket", {"ticket_id": 790},
         Facts(target_ticket_id=790, ticket_exists=True, ticket_owner_user_id=502),
         "ticket 790 is not one of your tickets, and as an employee you can only work on your own"),
        ("haloitsm_nonexistent_tool", {}, OWN, "as an employee you can't use nonexistent tool"),
    ],
)
def test_scope_and_default_refusals_are_worded_for_the_person(
    action: str, args: dict[str, Any], facts: Facts, reason: str
) -> None:
    """Someone else's ticket, or an action no rule lists: the reason names the person's role in words,
    never as a quoted identifier ("role 'employee' may only act on their own tickets")."""
    decision = ENGINE.decide(EMPLOYEE, ProposedCall(action=action, args=args, risk="write"), facts)
    assert decision.kind == "deny"
    assert decision.reason == reason
    assert "'employee'" not in decision.reason


def test_an_unknown_role_is_refused_without_quoting_an_identifier() -> None:
    call = ProposedCall(action="haloitsm_add_note", args={"ticket_id": 789, "note": "x"}, risk="write")
    decision = ENGINE.decide(Principal(role="contractor", halo_user_id=9), call, OWN)
    assert (decision.kind, decision.rule_id) == ("deny", "unknown-role")
    assert decision.reason == "your role (contractor) is not in the policy, so nothing is allowed"


def test_an_allow_names_the_role_in_words_too() -> None:
    call = ProposedCall(action="haloitsm_list_tickets", args={"mine": True}, risk="read")
    decision = ENGINE.decide(EMPLOYEE, call, Facts())
    assert decision.reason == "as an employee you may use list tickets (own tickets only)"
