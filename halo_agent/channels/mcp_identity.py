"""Who is calling the MCP server over streamable HTTP: the API key plus headers naming the person.

    Authorization: Bearer <key>      a key from the keys file (or HALO_AGENT_API_KEY)
    X-Halo-Role: employee | admin    a role the key may assert
    X-Halo-User: <email>             an employee's email (or an admin's)
    X-Halo-Agent-Id: <n>             an admin's Halo agent id

Refused keys and roles are audited, as on the HTTP service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from halo_agent.agent.service import AgentService
from halo_agent.channels.keys import KeyRing
from halo_agent.errors import HaloAgentError
from halo_agent.principal import Principal

ROLE_HEADER = "x-halo-role"
USER_HEADER = "x-halo-user"
AGENT_HEADER = "x-halo-agent-id"


class McpAuthError(HaloAgentError):
    """The MCP request's key or asserted identity was refused."""


class HeaderIdentity:
    def __init__(self, service: AgentService, keys: KeyRing) -> None:
        self.service = service
        self.keys = keys

    async def __call__(self, headers: Mapping[str, str] | None) -> Principal:
        if headers is None:
            raise McpAuthError("this MCP endpoint needs HTTP headers naming the caller")
        scheme, _, token = headers.get("authorization", "").partition(" ")
        key = self.keys.authenticate(token.strip() if scheme.lower() == "bearer" else None)
        role = headers.get(ROLE_HEADER, "")
        if key is None:
            self._audit(401, "missing or wrong API key", None, role)
            raise McpAuthError("missing or wrong API key: send `Authorization: Bearer <key>`")
        if not key.may_assert(role):
            self._audit(403, f"this API key may not act for the role {role!r}", key.name, role)
            raise McpAuthError(f"this API key may not act for the role {role!r} (header {ROLE_HEADER})")
        return await self.service.resolve_principal(
            role, email=headers.get(USER_HEADER) or None, agent_id=_agent_id(headers.get(AGENT_HEADER))
        )

    def _audit(self, status: int, reason: str, key_name: str | None, role: str) -> None:
        record: dict[str, Any] = {
            "event": "mcp_auth_refused",
            "status": status,
            "reason": reason,
            "key_name": key_name,
            "role": role or None,
        }
        self.service.audit.append(record)


def _agent_id(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise McpAuthError(f"{AGENT_HEADER} must be a number")
    return int(value)
