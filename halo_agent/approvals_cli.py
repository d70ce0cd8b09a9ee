"""`halo-agent approvals list [--json] | approve ID | deny ID [--reason TEXT]`, as the given identity.

The go-ahead goes through AgentService, so it is re-checked against policy and fresh Halo data, runs at
most once, and the requester can never approve their own request.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from halo_agent.cli_args import Subparsers, add_backend_args, add_command, add_commands, add_identity_args

if TYPE_CHECKING:
    from rich.console import Console

    from halo_agent.agent.service import AgentService
    from halo_agent.principal import Principal


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "approvals", "list, approve or deny paused requests",
        details="Each acts as the identity flags say; nobody can approve their own request.",
        examples=["halo-agent approvals list --role admin --agent-id 2",
                  "halo-agent approvals approve ID --role admin --agent-id 2"],
    )  # fmt: skip
    commands = add_commands(parser, "approvals_command")

    listing = add_command(
        commands, "list", "what is waiting for you",
        examples=["halo-agent approvals list --role admin --agent-id 2", "halo-agent approvals list -q"],
    )  # fmt: skip
    listing.add_argument("--json", action="store_true", help="print the pending records as JSON")
    listing.add_argument("-q", "--quiet", action="store_true", help="print only the ids, one a line")
    listing.set_defaults(func=lambda args: _run(_list(args)))

    approve = add_command(
        commands, "approve", "approve a pending request: it runs now",
        details="It is checked again against the policy and Halo's current data before it runs.",
        examples=["halo-agent approvals approve ID --role admin --agent-id 2",
                  "halo-agent approvals list -q --role admin --agent-id 2 "
                  "| xargs halo-agent approvals approve --role admin --agent-id 2"],
    )  # fmt: skip
    approve.add_argument("pending_ids", metavar="ID", nargs="+", help="one or more pending ids")
    approve.set_defaults(func=lambda args: _run(_decide(args, approve=True)))

    deny = add_command(
        commands, "deny", "deny a pending request: it never runs",
        examples=['halo-agent approvals deny ID --reason "not during the freeze" --role admin --agent-id 2'],
    )  # fmt: skip
    deny.add_argument("pending_ids", metavar="ID", nargs="+", help="one or more pending ids")
    deny.add_argument("--reason", metavar="TEXT", help="why (recorded in the audit log)")
    deny.set_defaults(func=lambda args: _run(_decide(args, approve=False)))

    for sub in (listing, approve, deny):
        add_identity_args(sub)
        add_backend_args(sub)


def _run(command: Coroutine[Any, Any, int]) -> int:
    from halo_agent.cli_common import run

    return run(command)


async def _list(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from halo_agent.channels.render import make_console, pending_table
    from halo_agent.cli_common import opened

    if (refused := await _refused(args)) is not None:
        return refused
    console = make_console()
    async with opened(args) as (service, principal):
        records = service.pending(principal)
    if args.quiet:
        for record in records:
            print(record.id)
    elif args.json:
        print(json.dumps([record.model_dump(mode="json") for record in records], indent=2))
    elif records:
        console.print(pending_table(records, console.width))
    else:
        console.print(f"Nothing is waiting for {escape(principal.describe())}.")
    return 0


async def _decide(args: argparse.Namespace, *, approve: bool) -> int:
    """Exit 0 when every decision landed (approved and ran, or denied); a refusal or an unknown,
    expired or already decided id is an error (exit 1) with the reason."""
    from rich.markup import escape

    from halo_agent.channels.render import make_console
    from halo_agent.cli_common import opened

    if (refused := await _refused(args)) is not None:
        return refused
    console = make_console()
    failed = 0
    async with opened(args) as (service, principal):
        for pending_id in args.pending_ids:
            if approve:
                failed += not await _approve_one(service, principal, pending_id, console)
            else:
                await service.deny(pending_id, principal, args.reason)
                console.print(f"[yellow]Denied {escape(pending_id)}[/]: it will not run.")
    return 1 if failed else 0


async def _refused(args: argparse.Namespace) -> int | None:
    """An unusable Halo is said at start (exit 3, 4 or 5), before any pending call is touched."""
    from halo_agent.cli_common import settings_from_args
    from halo_agent.halo.startup import refused_at_start

    return await refused_at_start(settings_from_args(args))


async def _approve_one(
    service: AgentService, principal: Principal, pending_id: str, console: Console
) -> bool:
    from rich.markup import escape

    from halo_agent.channels.render import Renderer

    outcome = await service.approve(pending_id, principal)
    renderer = Renderer(console, steps=True, usage=False)
    for event in outcome.events:
        renderer.event(event)
    renderer.end_turn()
    if outcome.status == "ok":
        who = escape(principal.describe())
        console.print(f"[green]Approved {escape(pending_id)} as {who}: done.[/]")
        return True
    console.print(f"[red]Approved {escape(pending_id)}, but it did not run ({outcome.status}).[/]")
    return False
