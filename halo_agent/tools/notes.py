"""Notes (Halo "actions") on a ticket: public, or hidden from the end user."""

from __future__ import annotations

from pydantic import Field

from halo_agent.tools.base import Text, ToolArgs, ToolContext, ToolError, ToolResult
from halo_agent.tools.refs import TicketId
from halo_agent.tools.ticket_writes import Plan, note_readers, quoted, target_ticket, ticket_title


class AddNoteArgs(ToolArgs):
    ticket_id: TicketId
    note: Text
    hidden_from_user: bool = Field(False, description="internal note")


async def plan_note(ctx: ToolContext, args: AddNoteArgs) -> Plan:
    if args.hidden_from_user and ctx.scope == "own":  # behind the policy's forced value
        raise ToolError("you can add only notes the ticket's user can see")
    ticket = await target_ticket(ctx, args.ticket_id)
    kind = "hidden note (agents only)" if args.hidden_from_user else f"note {note_readers(ctx)}"
    return Plan(title=ticket_title(ticket), changes=[f"add a {kind}: {quoted(args.note)}"])


async def add_note(ctx: ToolContext, args: AddNoteArgs) -> ToolResult:
    await plan_note(ctx, args)
    action = await ctx.client.add_note(args.ticket_id, args.note, hidden_from_user=args.hidden_from_user)
    shown = "hidden" if args.hidden_from_user else "public"
    return ToolResult(
        content={"ticket_id": args.ticket_id, "note_id": action.id, "visibility": shown},
        summary=f"Added a {shown} note to ticket {args.ticket_id}",
        halo_ids=[args.ticket_id, action.id],
    )
