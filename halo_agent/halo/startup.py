"""Every command that acts on a real Halo checks it before anything starts (ask, chat, serve, mcp,
approvals, teams, slack): one token request, never retried. A wrong URL, secret or scope is said at once
in one line, with `config check`'s exit codes (3 credentials, 4 unreachable, 5 scopes), instead of on
the first request a person or a frontend sends. The embedded sandbox needs no check: nothing is asked.
"""

from __future__ import annotations

import sys

from halo_agent.config import HaloSettings, Settings
from halo_agent.halo.cli import NEEDED_SCOPES, exit_code_for, missing_scopes
from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloError, HaloPermissionError
from halo_agent.halo.retry import RetryPolicy


async def check_halo(client: HaloClient) -> None:
    """Raise the HaloError that makes `client` unusable: a token refused, Halo unreachable, or a token
    without the scopes the agent's tools need (HaloPermissionError)."""
    async with client:
        token = await client.auth.token()
    missing = missing_scopes(token.scope or client.settings.scope)
    if missing:
        raise HaloPermissionError(
            f"the Halo token lacks the scopes {', '.join(missing)}; the agent needs "
            f"{' '.join(NEEDED_SCOPES)} (or 'all')"
        )


async def refused_at_start(settings: Settings) -> int | None:
    """None when Halo is usable (or the sandbox is used); otherwise the exit code, after one line on
    stderr saying why."""
    if settings.halo is None:
        return None
    try:
        await check_halo(untried_client(settings.halo))
    except HaloError as exc:
        return refuse_start(exc)
    return None


def untried_client(halo: HaloSettings) -> HaloClient:
    """A client whose requests are tried once: at start, a failure is the answer, not a reason to wait."""
    return HaloClient(halo, retry=RetryPolicy(max_attempts=1))


def refuse_start(exc: HaloError) -> int:
    print(f"halo-agent: cannot start: {exc.message}", file=sys.stderr)
    return exit_code_for(exc)
