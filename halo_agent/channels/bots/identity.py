"""The person behind a platform account, as Halo knows them.

The platform vouches for the email (Slack's profile email, Teams' UPN/email from the roster); Halo decides
who that is, through `AgentService.resolve_principal`. An email on the deployment's admin list that
belongs to an enabled Halo agent acts as that agent (admin); anyone else acts as the Halo user with that
email (employee). Nothing in a message can change this.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from halo_agent.agent.service import AgentService, IdentityError
from halo_agent.errors import ConfigError, HaloAgentError
from halo_agent.halo.errors import HaloError
from halo_agent.principal import Principal
from halo_agent.textfile import read_text


class BotIdentityRefusedError(HaloAgentError):
    """The platform account maps to nobody this deployment serves; the text is shown to the person."""


@dataclass(frozen=True)
class AdminMapping:
    """Which platform people may act as admins: by email, or by membership of a platform group
    (a Slack user group handle, a Teams/Entra group id when the adapter knows the person's groups)."""

    emails: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def allows(self, email: str, groups: Iterable[str] = ()) -> bool:
        return email.lower() in self.emails or not self.groups.isdisjoint(g.lower() for g in groups)

    @classmethod
    def of(cls, emails: Iterable[str] = (), groups: Iterable[str] = ()) -> AdminMapping:
        return cls(frozenset(e.strip().lower() for e in emails if e.strip()),
                   frozenset(g.strip().lower() for g in groups if g.strip()))  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> AdminMapping:
        """A TOML file: `emails = [...]` and/or `groups = [...]`; errors name the file and field."""
        try:
            data = tomllib.loads(read_text(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(path, "(file)", f"not valid TOML: {exc}") from None
        unknown = set(data) - {"emails", "groups"}
        if unknown:
            raise ConfigError(path, ", ".join(sorted(unknown)), "unknown field (expected emails, groups)")
        for name in ("emails", "groups"):
            value = data.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(path, name, "must be a list of strings")
        return cls.of(data.get("emails", []), data.get("groups", []))


@dataclass
class BotIdentity:
    service: AgentService
    admins: AdminMapping = field(default_factory=AdminMapping)

    async def principal(self, email: str | None, *, groups: Iterable[str] = (), platform: str) -> Principal:
        """The principal for a platform person, or BotIdentityRefusedError with words for them."""
        if not email:
            raise BotIdentityRefusedError(
                f"I can't tell who you are: your {platform} profile has no email address I may read."
            )
        try:
            if self.admins.allows(email, groups):
                return await self._admin_or_employee(email)
            return await self.service.resolve_principal("employee", email=email)
        except IdentityError:
            raise BotIdentityRefusedError(
                f"I can't find {email} in Halo, so I can't help you here yet. "
                "Ask your service desk to add you as a Halo user."
            ) from None
        except HaloError as exc:
            raise BotIdentityRefusedError(f"Halo could not be reached to check who you are: {exc}") from None

    async def _admin_or_employee(self, email: str) -> Principal:
        """An admin when Halo has an enabled agent with this email; else the Halo user, if any."""
        try:
            return await self.service.resolve_principal("admin", email=email)
        except IdentityError:
            return await self.service.resolve_principal("employee", email=email)
