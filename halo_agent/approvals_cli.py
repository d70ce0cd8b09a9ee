"""`halo-agent approvals list [--json] | approve ID | deny ID [--reason TEXT]`, as the given identity.

The go-ahead goes through AgentService, so it is re-checked against policy and fresh Halo data, runs at
most once, and the requester can never approve their own request.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from halo_agent.channels.render import Renderer, make_console, pending_table
from halo_agent.cli_common import add_backend_args, add_identity_args, opened, run, settings_from_args

if TYPE_CHECKING:
    from halo_agent.agent.service import AgentService
    from halo_agent.principal import Principal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("approvals", help="list, approve or deny paused requests")
    commands = parser.add_subparsers(dest="approvals_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="what is waiting for you")
    listing.add_argument("--json", action="store_true", help="print the pending records as JSON")
    listing.add_argument("-q", "--quiet", action="store_true", help="print only the ids, one a line")
    listing.set_defaults(func=lambda args: run(_list(args)))

    approve = commands.add_parser("approve", help="approve a pending request: it runs now")
    approve.add_argument("pending_ids", metavar="ID", nargs="+", help="one or more pending ids")
    approve.set_defaults(func=lambda args: run(_decide(args, approve=True)))

    deny = commands.add_parser("deny", help="deny a pending request: it never runs")
    deny.add_argument("pending_ids", metavar="ID", nargs="+", help="one or more pending ids")
    deny.add_argument("--reason", help="why (recorded in the audit log)")
    deny.set_defaults(func=lambda args: run(_decide(args, approve=False)))

    for sub in (listing, approve, deny):
        add_identity_args(sub)
        add_backend_args(sub)


async def _list(args: argparse.Namespace) -> int:
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
    from halo_agent.halo.startup import refused_at_start

    return await refused_at_start(settings_from_args(args))


async def _approve_one(
    service: AgentService, principal: Principal, pending_id: str, console: Console
) -> bool:
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
