"""Ticket reads: one ticket with its recent notes, and a filtered page of tickets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from halo_agent.tools.base import Name, ToolArgs, ToolContext, ToolError, ToolResult
from halo_agent.tools.directory import resolved_refs
from halo_agent.tools.format import DETAILS_CHARS, NOTE_CHARS, PAGE_SIZE, count_of, cut, page_info, ticket_row
from halo_agent.tools.names import NameBook, priority_in_sla, resolve
from halo_agent.tools.refs import DirectoryRef, TicketId

if TYPE_CHECKING:
    from halo_agent.halo.models import Action, InstanceMetadata, Ticket
    from halo_agent.halo.queries import TicketQuery

RECENT_NOTES = 5


MAX_PAGE = 10_000


class GetTicketArgs(ToolArgs):
    ticket_id: TicketId


class ListTicketsArgs(ToolArgs):
    ticket_type: Name | None = None
    status: Name | None = Field(default=None, description="open, closed or a name")
    agent: DirectoryRef | None = None
    team: Name | None = None
    user: DirectoryRef | None = None
    site: DirectoryRef | None = None
    mine: bool = Field(False, description="assigned to me")
    search: Name | None = Field(None, description="words in summary")
    priority: Name | None = None
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


def ensure_own(ctx: ToolContext, ticket: Ticket) -> None:
    """Defence in depth behind the policy: an own-scope call never touches another user's ticket."""
    if ctx.scope != "own":
        return
    mine = ctx.principal.halo_user_id
    if mine is None or ticket.user_id != mine:
        raise ToolError(f"ticket {ticket.id} is not one of your tickets")


async def name_book(ctx: ToolContext, tickets: Sequence[Ticket]) -> NameBook:
    """Metadata for names; agents fetched only when a row has one assigned."""
    meta = await ctx.client.metadata()
    if not any(t.agent_id for t in tickets):
        return NameBook.of(meta)
    return NameBook.of(meta, await ctx.client.agents())


async def get_ticket(ctx: ToolContext, args: GetTicketArgs) -> ToolResult:
    ticket = ctx.target or await ctx.client.get_ticket(args.ticket_id)
    ensure_own(ctx, ticket)
    names = await name_book(ctx, [ticket])
    notes = await ctx.client.list_notes(ticket.id)
    shown = _visible_notes(ctx, notes)
    row = ticket_row(ticket, names) | {"details": cut(ticket.details, DETAILS_CHARS)}
    content: dict[str, Any] = {
        "ticket": row,
        "notes": [_note_row(n) for n in shown[-RECENT_NOTES:]],
        "notes_total": len(shown),
    }
    return ToolResult(
        content=content,
        summary=f"Ticket {ticket.id}: {row['status'] or 'unknown status'}",
        halo_ids=[ticket.id],
        untrusted=True,
    )


def _visible_notes(ctx: ToolContext, notes: Sequence[Action]) -> list[Action]:
    """Hidden notes reach agents only: never an end user, whatever the policy's scope."""
    sees_hidden = ctx.scope == "any" and ctx.principal.halo_user_id is None
    ordered = sorted(notes, key=lambda n: n.id)
    return [n for n in ordered if sees_hidden or not n.hiddenfromuser]


def _note_row(note: Action) -> dict[str, Any]:
    row: dict[str, Any] = {"when": note.datetime, "who": note.who, "note": cut(note.note, NOTE_CHARS)}
    if note.hiddenfromuser:
        row["hidden"] = True
    return row


async def list_tickets(ctx: ToolContext, args: ListTicketsArgs) -> ToolResult:
    meta = await ctx.client.metadata()
    found = await resolved_refs(ctx.client, args.model_dump(include={"agent", "user", "site"}))
    people = {key: ref for key, (ref, _) in found.items()}
    matched = {key: label for key, (_, label) in found.items() if label}  # Halo's names: untrusted text
    query = build_query(ctx, args.model_copy(update=people), meta)
    page = await ctx.client.list_tickets(query, page_no=args.page, page_size=PAGE_SIZE)
    rows = page.items
    total = page.total
    if ctx.scope == "own":
        kept = [t for t in rows if t.user_id == ctx.principal.halo_user_id]
        if len(kept) != len(rows):  # Halo ignored the filter: report only what is shown
            rows, total = kept, (args.page - 1) * PAGE_SIZE + len(kept)
    names = await name_book(ctx, rows)
    content = {"tickets": [ticket_row(t, names) for t in rows], **page_info(args.page, len(rows), total)}
    if matched:
        content["matched"] = matched
    return ToolResult(
        content=content,
        summary=f"{count_of(content['total'], 'ticket')}, page {args.page}",
        halo_ids=[t.id for t in rows],
        untrusted=bool(rows) or bool(matched),
    )


def build_query(ctx: ToolContext, args: ListTicketsArgs, meta: InstanceMetadata) -> TicketQuery:
    from halo_agent.halo.queries import TicketQuery

    fields: dict[str, Any] = {
        "search": args.search, "agent_ids": [args.agent] if isinstance(args.agent, int) else None,
        "user_id": args.user if isinstance(args.user, int) else None,
        "site_id": args.site if isinstance(args.site, int) else None,
    }
    fields |= _status_filter(args.status, meta)
    if args.ticket_type:
        fields["requesttype_ids"] = [resolve("ticket type", args.ticket_type, meta.ticket_types).id]
    if args.team:
        fields["team_ids"] = [resolve("team", args.team, meta.teams).id]
    if args.priority:
        name = priority_in_sla(meta, args.priority, None).name
        fields["priority_ids"] = sorted({p.number for p in meta.priorities if p.name == name})
    fields |= _mine_filter(ctx, args.mine)
    return TicketQuery(**{k: v for k, v in fields.items() if v is not None})


def _status_filter(status: str | None, meta: InstanceMetadata) -> dict[str, Any]:
    if not status:
        return {}
    # "open"/"closed" go by the statuses this instance marks closed (Resolved included), not by Halo's
    # open_only/closed_only alone, whose treatment of Resolved differs between instances.
    closed = meta.closed_status_ids
    if status.casefold() == "open":
        return {"open_only": True, "status_ids": sorted({s.id for s in meta.statuses} - closed)}
    if status.casefold() == "closed":
        return {"status_ids": sorted(closed)}
    return {"status_ids": [resolve("status", status, meta.statuses).id]}


def _mine_filter(ctx: ToolContext, mine: bool) -> dict[str, Any]:
    """Own scope always filters by the principal's Halo user; `mine` means assigned-to-me for agents."""
    who = ctx.principal
    if ctx.scope == "own":
        if who.halo_user_id is None:
            raise ToolError("your Halo user is unknown, so your tickets cannot be listed")
        return {"user_id": who.halo_user_id}
    if not mine:
        return {}
    if who.halo_agent_id is not None:
        return {"agent_ids": [who.halo_agent_id]}
    if who.halo_user_id is not None:
        return {"user_id": who.halo_user_id}
    raise ToolError("your Halo identity is unknown, so `mine` cannot be applied")
