"""`halo-agent config check`: obtain a token, read the instance's vocabulary, and say what was found.

Exits non-zero with the precise reason when the secret, the tenant, the URL or the scope is wrong.
With no HALO_URL configured, the check runs against the embedded sandbox, in-process, and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import structlog

from halo_agent.config import load_settings
from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloAuthError, HaloError, HaloPermissionError, HaloUnavailableError
from halo_agent.halo.metadata import InstanceMetadata

EXIT_AUTH, EXIT_UNREACHABLE, EXIT_PERMISSION, EXIT_OTHER = 3, 4, 5, 1
NEEDED_SCOPES = ("read:tickets", "edit:tickets", "read:customers", "read:assets", "read:kb")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = subparsers.add_parser("config", help="check the Halo connection settings")
    actions = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="obtain a token, call Halo, and list what this instance offers")
    check.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    check.set_defaults(func=run_check)
    from halo_agent.halo.config_init import register_init  # its own module, beside `check`

    register_init(actions)


def run_check(args: argparse.Namespace) -> int:
    _quiet_logging()
    settings = load_settings(getattr(args, "config", None))
    if settings.halo is None:
        print("No HALO_URL configured: checking the embedded sandbox, in-process (no network).")
        return asyncio.run(_check_sandbox())
    return asyncio.run(_check(HaloClient(settings.halo)))


async def _check_sandbox() -> int:
    from halo_agent.sandbox import create_app, sandbox_client

    return await _check(sandbox_client(create_app()))


async def _check(client: HaloClient, out: TextIO | None = None) -> int:
    async with client:
        try:
            token = await client.auth.token()
            types = await client.request_json("GET", "TicketType")
            meta = await client.metadata()
            kind = await client.instance_kind()
        except HaloError as exc:
            return _fail(exc.message, exit_code_for(exc))
    _report(client, kind, meta, len(types) if isinstance(types, list) else None, out or sys.stdout)
    missing = missing_scopes(token.scope or client.settings.scope)
    if missing or meta.warnings:
        lacking = f"the token lacks the scopes {', '.join(missing)}" if missing else "some lists were refused"
        return _fail(f"{lacking}; the agent needs {' '.join(NEEDED_SCOPES)} (or 'all').", EXIT_PERMISSION)
    return 0


def missing_scopes(granted: str, needed: Iterable[str] = NEEDED_SCOPES) -> list[str]:
    """The scopes of `needed` that `granted` does not cover (`edit:X` covers `read:X`)."""
    have = set(granted.lower().split())
    if have & {"all", "admin", "all:standard"}:
        return []
    covered = have | {f"read:{s.split(':', 1)[1]}" for s in have if s.startswith("edit:")}
    return [s for s in needed if s not in covered]


def _fail(reason: str, code: int) -> int:
    print(f"halo-agent: config check failed: {reason}", file=sys.stderr)
    return code


def exit_code_for(exc: HaloError) -> int:
    if isinstance(exc, HaloAuthError):
        return EXIT_AUTH
    if isinstance(exc, HaloUnavailableError):
        return EXIT_UNREACHABLE
    if isinstance(exc, HaloPermissionError):
        return EXIT_PERMISSION
    return EXIT_OTHER


def _report(
    client: HaloClient, kind: str, meta: InstanceMetadata, type_count: int | None, out: TextIO
) -> None:
    tenant = f", tenant {client.auth.tenant}" if client.auth.tenant else ""
    print(f"Halo: {client.settings.halo_url} ({kind}{tenant})", file=out)
    print(f"Token: obtained from {client.auth.token_url} (scope '{client.settings.scope}')", file=out)
    print(f"GET /TicketType: ok ({type_count if type_count is not None else '?'} ticket types)", file=out)
    _section(out, "Ticket types", (f"{t.name} [{t.id}]" for t in meta.ticket_types))
    closed = meta.closed_status_ids
    statuses = (f"{s.name} [{s.id}]{' (closed)' if s.id in closed else ''}" for s in meta.statuses)
    _section(out, "Statuses", statuses)
    _section(out, "Priorities", (f"{p.name} [{p.number}, SLA {p.slaid}]" for p in meta.priorities))
    _section(out, "Teams", (f"{t.name} [{t.id}]" for t in meta.teams if not t.inactive))
    _section(out, "Outcomes", (f"{o.label} [{o.id}]" for o in meta.outcomes))
    outcome = meta.default_outcome_name or "none found (set HALO_OUTCOME)"
    print(f"Notes will use the outcome: {outcome}", file=out)
    for warning in meta.warnings:
        print(f"Warning: {warning}", file=out)
    print(f"Halo calls made: {client.stats.api_calls} API, {client.stats.token_calls} token", file=out)


def _section(out: TextIO, title: str, rows: Iterable[str]) -> None:
    items = list(rows)
    print(f"{title} ({len(items)}): {', '.join(items) if items else 'none'}", file=out)


def _quiet_logging() -> None:
    """Keep call-by-call logs out of the report unless the user configured logging themselves."""
    if not structlog.is_configured():
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
