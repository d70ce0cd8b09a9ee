"""Who is asking. Always supplied by the host (CLI flags, API key, MCP session), never by the model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Principal(BaseModel):
    """The caller's identity. `role` names a role in the policy file ("admin", "employee", ...).

    Employees carry their Halo user id (resolved from their email against Halo); admins carry their
    Halo agent id when known.
    """

    model_config = ConfigDict(frozen=True)

    role: str
    email: str | None = None
    name: str | None = None
    halo_user_id: int | None = None
    halo_agent_id: int | None = None

    @property
    def key(self) -> str:
        """A stable id for audit records, rate limits and self-approval checks."""
        if self.halo_agent_id is not None:
            return f"{self.role}:agent:{self.halo_agent_id}"
        if self.halo_user_id is not None:
            return f"{self.role}:user:{self.halo_user_id}"
        return f"{self.role}:{(self.email or 'anonymous').lower()}"

    def describe(self) -> str:
        who = self.name or self.email or (f"agent {self.halo_agent_id}" if self.halo_agent_id else "unknown")
        return f"{who} ({self.role})"
