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
from typing import TYPE_CHECKING, TextIO

from halo_agent.cli_args import Subparsers, add_command, add_commands, add_config_arg, add_home_arg, lazy

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.halo.errors import HaloError
    from halo_agent.halo.metadata import InstanceMetadata

EXIT_AUTH, EXIT_UNREACHABLE, EXIT_PERMISSION, EXIT_OTHER = 3, 4, 5, 1
NEEDED_SCOPES = ("read:tickets", "edit:tickets", "read:customers", "read:assets", "read:kb")
EXIT_CODES = (
    "exit codes: 0 ok, 1 other failure, 2 a bad value, 3 credentials refused, 4 Halo unreachable, "
    "5 a scope missing"
)


def register(subparsers: Subparsers) -> None:
    config = add_command(
        subparsers, "config", "set up and check the Halo connection settings",
        examples=["halo-agent config init", "halo-agent config check"],
    )  # fmt: skip
    actions = add_commands(config, "config_action")
    check = add_command(
        actions, "check", "obtain a token, call Halo, and list what this instance offers",
        details=f"With no HALO_URL configured it checks the embedded sandbox. {EXIT_CODES}.",
        examples=["halo-agent config check", "halo-agent config check --config ~/halo.toml",
                  "HALO_URL=https://yourcompany.haloitsm.com halo-agent config check"],
    )  # fmt: skip
    add_config_arg(check)
    add_home_arg(check)
    check.set_defaults(func=run_check)
    _register_init(actions)


def _register_init(actions: Subparsers) -> None:
    init = add_command(
        actions, "init", "guided set-up: asks for Halo and the LLM, checks each live, saves only if all pass",
        details="Secrets are read from an environment variable or stdin, never from the command line. "
        f"{EXIT_CODES}.",
        examples=["halo-agent config init",
                  "HALO_CLIENT_SECRET=... halo-agent config init --non-interactive --halo-url "
                  "https://yourcompany.haloitsm.com --hosted --tenant yourcompany --client-id ID"],
    )  # fmt: skip
    add_config_arg(init, "settings file to write")
    add_home_arg(init)
    init.add_argument("--halo-url", metavar="URL", help="e.g. https://yourcompany.haloitsm.com")
    kind = init.add_mutually_exclusive_group()
    kind.add_argument("--hosted", dest="kind", action="store_const", const="hosted", help="a hosted Halo")
    kind.add_argument(
        "--self-hosted",
        dest="kind",
        action="store_const",
        const="self-hosted",
        help="a Halo on your own servers",
    )
    init.add_argument("--tenant", metavar="NAME", help="hosted Halo's tenant (shown on the Halo API page)")
    init.add_argument("--client-id", metavar="ID", help="the API application's client id")
    init.add_argument(
        "--client-secret-env",
        metavar="VAR",
        default="HALO_CLIENT_SECRET",
        help="environment variable holding the client secret (default: HALO_CLIENT_SECRET)",
    )
    init.add_argument("--client-secret-stdin", action="store_true", help="read the client secret from stdin")
    init.add_argument("--auth-url", metavar="URL", help="authorisation server, when not the Halo URL's /auth")
    init.add_argument("--scope", metavar="SCOPE", help="OAuth scope to request (default: all)")
    init.add_argument(
        "--roles", metavar="ROLES", help="roles the deployment serves: admin,employee (default: both)"
    )
    init.add_argument("--model", metavar="offline|NAME", help="offline, or the LLM's model (deployment) name")
    init.add_argument(
        "--llm-base-url", metavar="URL", help="an OpenAI-compatible endpoint, e.g. http://localhost:11434/v1"
    )
    init.add_argument(
        "--llm-api-key-env",
        metavar="VAR",
        default="OPENAI_API_KEY",
        help="environment variable holding the LLM's API key (default: OPENAI_API_KEY)",
    )
    init.add_argument(
        "--secret-store",
        choices=("auto", "file", "keyring"),
        default="auto",
        help="where secrets go: the OS keyring when available (auto), or 0600 files",
    )
    init.add_argument("--non-interactive", action="store_true", help="never ask; a missing value is an error")
    init.set_defaults(func=lazy("halo_agent.halo.config_init:run_init"))  # fmt: skip


def run_check(args: argparse.Namespace) -> int:
    from halo_agent.cli_common import settings_from_args
    from halo_agent.halo.client import HaloClient

    _quiet_logging()
    settings = settings_from_args(args)
    if settings.halo is None:
        print("No HALO_URL configured: checking the embedded sandbox, in-process (no network).")
        return asyncio.run(_check_sandbox())
    return asyncio.run(_check(HaloClient(settings.halo)))


async def _check_sandbox() -> int:
    from halo_agent.sandbox import create_app, sandbox_client

    return await _check(sandbox_client(create_app()))


async def _check(client: HaloClient, out: TextIO | None = None) -> int:
    from halo_agent.halo.errors import HaloError

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
    from halo_agent.halo.errors import HaloAuthError, HaloPermissionError, HaloUnavailableError

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
    import structlog

    if not structlog.is_configured():
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
