"""The executor wired to the in-process sandbox, the real policy (default.yaml), a tmp pending store and
audit log. Principals are resolved against the sandbox's demo data, not hard-coded ids."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from halo_agent.agent.model import ToolCallRequest
from halo_agent.examples import (
    DEMO_ADMIN_AGENT_ID,
    DEMO_EMPLOYEE_EMAIL,
    DEMO_SECOND_ADMIN_AGENT_ID,
    OTHER_EMPLOYEE_EMAIL,
)
from halo_agent.halo.client import HaloClient
from halo_agent.policies.engine import PolicyEngine
from halo_agent.principal import Principal
from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app, sandbox_client
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.tools.executor import CallOutcome, Executor, TurnContext
from halo_agent.tools.registry import default_registry

SECRET = "sandbox-secret"
_ids = itertools.count(1)


@dataclass
class Desk:
    """Everything a test needs: the sandbox, the executor, and the demo people."""

    app: SandboxApp
    client: HaloClient
    executor: Executor
    store: PendingStore
    audit: AuditLog
    admin: Principal
    admin2: Principal
    emma: Principal
    liam: Principal

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        found = self.app.state_store.ticket(ticket_id)
        assert found is not None
        return dict(found)

    def notes(self, ticket_id: int) -> list[dict[str, Any]]:
        return [dict(a) for a in self.app.state_store.actions_for(ticket_id)]

    def audit_records(self) -> list[dict[str, Any]]:
        lines = self.audit.path.read_text(encoding="utf-8").splitlines() if self.audit.path.exists() else []
        return [json.loads(line) for line in lines]

    async def call(
        self, who: Principal, tool: str, args: dict[str, Any] | str, *, said: str = "",
        turn: TurnContext | None = None,
    ) -> CallOutcome:
        turn = turn or self.turn(who, said)
        text = args if isinstance(args, str) else json.dumps(args)
        return await self.executor.execute(ToolCallRequest(id=f"call-{next(_ids)}", name=tool,
                                                           arguments=text), turn)

    def turn(self, who: Principal, said: str = "", *, untrusted: bool = False) -> TurnContext:
        return TurnContext(principal=who, session_id="s-1", request_id=f"r-{next(_ids)}",
                           user_texts=[said] if said else [], untrusted_seen=untrusted)


def payload(outcome: CallOutcome) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(outcome.tool_message)
    return data


async def _user_principal(client: HaloClient, email: str) -> Principal:
    user = await client.find_user_by_email(email)
    assert user is not None
    return Principal(role="employee", email=email, name=user.name, halo_user_id=user.id)


def make_desk(app: SandboxApp, client: HaloClient, tmp_path: Path, people: dict[str, Principal],
              store: PendingStore | None = None) -> Desk:
    store = store or PendingStore(tmp_path / "state.db")
    audit = AuditLog(tmp_path / "audit.jsonl", secrets=[SECRET])
    executor = Executor(client, default_registry(), PolicyEngine.load(), audit, store)
    return Desk(app=app, client=client, executor=executor, store=store, audit=audit, **people)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    app = create_app(SandboxConfig(client_secret=SECRET))
    client = sandbox_client(app)
    people = {
        "admin": Principal(role="admin", name="Alex Morgan", halo_agent_id=DEMO_ADMIN_AGENT_ID),
        "admin2": Principal(role="admin", name="Priya Shah", halo_agent_id=DEMO_SECOND_ADMIN_AGENT_ID),
        "emma": await _user_principal(client, DEMO_EMPLOYEE_EMAIL),
        "liam": await _user_principal(client, OTHER_EMPLOYEE_EMAIL),
    }
    yield make_desk(app, client, tmp_path, people)
    await client.aclose()
