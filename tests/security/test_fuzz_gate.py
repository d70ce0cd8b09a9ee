"""The property-based gate: random and hostile tool calls through the real executor, on the sandbox, under
the packaged policy. Whatever the model sends: no uncaught exception, exactly one audit record per call,
and no write the policy forbids (an employee never writes on another's ticket; a write while Halo text is
in context runs only when the person's current message asked for it on that target).

CI runs HALO_FUZZ_EXAMPLES examples (default 400, about 5 s); a longer run (2,000 took 14 s):
    HALO_FUZZ_EXAMPLES=5000 .venv/bin/pytest -q tests/security/test_fuzz_gate.py
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from halo_agent.agent.model import ToolCallRequest
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.principal import Principal
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client
from halo_agent.tools.asked import write_asked
from halo_agent.tools.registry import default_registry
from tests.tools.conftest import SECRET, Desk, make_desk

EXAMPLES = int(os.environ.get("HALO_FUZZ_EXAMPLES", "400"))
REGISTRY = default_registry()
TOOLS = REGISTRY.names()
ARGUMENT_NAMES = sorted({name for spec in REGISTRY for name in spec.args_model.model_fields})
_ids = itertools.count(1)

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\t\n ", "\ud800", "a\x00b", "x" * 9_000, "#789", "ticket 789", "Critical",
                     "2nd Line Support", "emma.hart@example.com", "Closed", "'; DROP TABLE tickets; --"]),
)
scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([789, 790, 791, 0, -1, 2**31]),
    st.booleans(), st.none(), st.floats(allow_nan=True), hostile_text,
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=4), max_leaves=12)
argument_objects = st.dictionaries(st.sampled_from(ARGUMENT_NAMES) | st.text(max_size=10), values, max_size=6)
raw_arguments = st.one_of(
    argument_objects.map(json.dumps),
    st.text(max_size=60),
    st.sampled_from(["[" * 5000 + "]" * 5000, '{"ticket_id": ' + "9" * 5000 + "}", "null", "[]", "{}"]),
)
said = st.sampled_from(["", "thanks", "summarise ticket 789", "add a note to ticket 789: vendor replied",
                        "close ticket 790", "open a ticket for me", "change the priority of 789 to high"])


@pytest.fixture(scope="module")
def sandbox_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.Runner, Desk]]:
    runner = asyncio.Runner()
    desk = runner.run(_desk(tmp_path_factory.mktemp("fuzz")))
    yield runner, desk
    runner.run(desk.client.aclose())
    runner.close()


async def _desk(path: Path) -> Desk:
    app = create_app(SandboxConfig(client_secret=SECRET))
    client = sandbox_client(app)
    emma_user = await client.find_user_by_email(DEMO_EMPLOYEE_EMAIL)
    assert emma_user is not None
    admin = Principal(role="admin", name="Alex Morgan", halo_agent_id=DEMO_ADMIN_AGENT_ID)
    emma = Principal(role="employee", email=DEMO_EMPLOYEE_EMAIL, halo_user_id=emma_user.id)
    return make_desk(app, client, path, {"admin": admin, "admin2": admin, "emma": emma, "liam": emma})


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(tool=st.sampled_from(TOOLS) | st.text(max_size=12), arguments=raw_arguments,
       employee=st.booleans(), untrusted=st.booleans(), message=said)
def test_hostile_calls_never_crash_always_leave_one_record_and_never_write_what_policy_forbids(
    sandbox_desk: tuple[asyncio.Runner, Desk], tool: str, arguments: str, employee: bool, untrusted: bool,
    message: str,
) -> None:
    runner, desk = sandbox_desk
    who = desk.emma if employee else desk.admin
    turn = desk.turn(who, message, untrusted=untrusted)
    before = _others_notes(desk, who)
    call = ToolCallRequest(id=f"fuzz-{next(_ids)}", name=tool, arguments=arguments)
    outcome = runner.run(desk.executor.execute(call, turn))  # any exception fails the gate
    records = [r for r in _records(desk) if r.get("request_id") == turn.request_id]
    assert len(records) == 1, records
    assert json.loads(outcome.tool_message)["status"] == outcome.status
    spec = REGISTRY.get(tool)
    if outcome.status == "ok" and spec is not None and spec.risk != "read":
        assert records[0]["decision"] == "allow"
        target = records[0]["args"].get(spec.target_ticket_arg or "")
        if untrusted:
            assert write_asked(tool, target if isinstance(target, int) else None, [message])
    assert _others_notes(desk, who) == before  # never a note on a ticket the employee does not own


def _records(desk: Desk) -> list[dict[str, Any]]:
    return desk.audit.tail(5)


def _others_notes(desk: Desk, who: Principal) -> int:
    if who.halo_user_id is None:
        return 0
    store = desk.app.state_store
    mine = who.halo_user_id
    return sum(len(store.actions_for(tid)) for tid, t in store.tickets.items() if t.get("user_id") != mine)
