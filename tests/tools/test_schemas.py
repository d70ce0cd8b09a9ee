"""Every tool's JSON schema is pinned by a snapshot, and the toolsets stay inside their byte budgets.

Regenerate the snapshots after an intended change:  UPDATE_SNAPSHOTS=1 pytest tests/tools/test_schemas.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from halo_agent.policies.engine import PolicyEngine
from halo_agent.tools.executor import schemas_for
from halo_agent.tools.registry import default_registry

SNAPSHOTS = Path(__file__).parent / "snapshots"
REGISTRY = default_registry()
# Issue 11's budgets for the tools array as sent (every string argument carries its maxLength, issue 9;
# arguments and tools carry one short description each).
ADMIN_BUDGET, EMPLOYEE_BUDGET, HARD_CAP = 4096, 2560, 12 * 1024


def _size(schemas: list[dict[str, Any]]) -> int:
    """Bytes of the `tools` array as the HTTP client serializes it into the request body."""
    return len(json.dumps(schemas, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode())


def _sent(role: str) -> list[dict[str, Any]]:
    """What the executor offers the role (no Halo, store or audit needed to build schemas)."""
    return schemas_for(REGISTRY, PolicyEngine.load(), role)


@pytest.mark.parametrize("name", REGISTRY.names())
def test_schema_matches_snapshot(name: str) -> None:
    schema = REGISTRY.schemas([name])[0]
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"schema of {name} changed; see the module docstring"


@pytest.mark.parametrize("name", REGISTRY.names())
def test_schema_is_strict_and_compact(name: str) -> None:
    text = json.dumps(REGISTRY.schemas([name])[0])
    params = REGISTRY.schemas([name])[0]["function"]["parameters"]
    assert params["additionalProperties"] is False
    for boilerplate in ('"title"', '"$schema"', '"default": null', '"anyOf"', '"$defs"'):
        assert boilerplate not in text


def test_every_tool_has_a_snapshot_and_no_stale_ones() -> None:
    assert {p.stem for p in SNAPSHOTS.glob("*.json")} == set(REGISTRY.names())


def test_lookup_kind_is_an_enum() -> None:
    kind = REGISTRY.schemas(["haloitsm_lookup"])[0]["function"]["parameters"]["properties"]["kind"]
    assert kind["enum"] == ["clients", "sites", "users", "agents", "teams", "assets"]


def test_toolsets_fit_their_budgets() -> None:
    admin, employee = _sent("admin"), _sent("employee")
    everything = REGISTRY.schemas(REGISTRY.names())
    print(f"\ntool schemas as sent: admin {_size(admin)} B ({len(admin)} tools), "
          f"employee {_size(employee)} B ({len(employee)} tools), all tools untrimmed {_size(everything)} B")
    assert _size(admin) <= ADMIN_BUDGET
    assert _size(employee) <= EMPLOYEE_BUDGET
    assert _size(everything) <= HARD_CAP


def test_roles_are_offered_only_what_their_policy_can_allow() -> None:
    engine = PolicyEngine.load()
    for role in ("admin", "employee"):
        offered = {s["function"]["name"] for s in _sent(role)}
        assert offered == engine.actions_for(role) & set(REGISTRY.names())
    employee = {s["function"]["name"] for s in _sent("employee")}
    assert "haloitsm_update_ticket" not in employee and "haloitsm_lookup" not in employee
    assert _sent("nobody") == []


def test_employee_is_not_offered_arguments_it_may_not_set() -> None:
    note = next(s for s in _sent("employee") if s["function"]["name"] == "haloitsm_add_note")
    create = next(s for s in _sent("employee") if s["function"]["name"] == "haloitsm_create_ticket")
    assert "hidden_from_user" not in note["function"]["parameters"]["properties"]
    assert not {"agent", "team", "site"} & set(create["function"]["parameters"]["properties"])


def test_schema_order_is_stable() -> None:
    names = [s["function"]["name"] for s in REGISTRY.schemas(reversed(REGISTRY.names()))]
    assert names == REGISTRY.names()


def _string_props(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    props = schema["function"]["parameters"]["properties"]
    found = []
    for name, prop in props.items():
        for option in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            if option.get("type") == "string" and "enum" not in option:
                found.append((name, option))
    return found


@pytest.mark.parametrize("name", REGISTRY.names())
def test_every_string_argument_has_a_size_limit(name: str) -> None:
    """A model (or an attacker behind it) can send megabytes; every text argument says its limit."""
    for arg, option in _string_props(REGISTRY.schemas([name])[0]):
        assert 0 < option.get("maxLength", 0) <= 8000, f"{name}.{arg} has no maxLength"
