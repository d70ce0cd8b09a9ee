"""Ticket writes: create, update, resolve. Each builds a plan first: the exact change, shown as the
preview before a confirmation and then run as planned, so what a person confirms is what Halo receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import Field

from halo_agent.tools.base import Name, Text, ToolArgs, ToolContext, ToolError, ToolResult
from halo_agent.tools.directory import find_agent, find_site
from halo_agent.tools.format import cut
from halo_agent.tools.names import closed_statuses, default_closed_status, priority_in_sla, resolve
from halo_agent.tools.people import requester_for
from halo_agent.tools.refs import DirectoryRef, TicketId
from halo_agent.tools.tickets import ensure_own

if TYPE_CHECKING:
    from halo_agent.halo.models import InstanceMetadata, Ticket

PREVIEW_TEXT = 80


class CreateTicketArgs(ToolArgs):
    summary: Name = Field(description="one line")
    details: Text = Field(description="as the person said it")
    ticket_type: Name = "Incident"
    priority: Name | None = None
    site: DirectoryRef | None = None
    user: DirectoryRef | None = Field(None, description="requester")
    team: Name | None = None
    agent: DirectoryRef | None = Field(None, description="assignee")


class UpdateTicketArgs(ToolArgs):
    ticket_id: TicketId
    priority: Name | None = None
    agent: DirectoryRef | None = Field(None, description="assignee")
    team: Name | None = None
    status: Name | None = Field(None, description="not closing")


class ResolveTicketArgs(ToolArgs):
    ticket_id: TicketId
    note: Text | None = Field(None, description="public")
    status: Name | None = Field(default=None, description="default Closed")


@dataclass
class Plan:
    """A write ready to send: Halo fields, and the change in words."""

    title: str
    fields: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # asked for, but the ticket already had it
    status_id: int | None = None  # resolve: the closed status to set
    note: str | None = None  # resolve: the public note
    ticket_type: str | None = None  # create: the type's name

    def describe(self) -> str:
        return f"{self.title}: {'; '.join(self.changes)}" if self.changes else self.title


def note_readers(ctx: ToolContext) -> str:
    """Who can read a public note, from the side of the person asking: a ticket's user is told the note
    is theirs to read too (employees' pauses need their own confirmation, never an approver's)."""
    return "you and the IT team can see" if ctx.scope == "own" else "visible to the user"


def quoted(text: str | None) -> str:
    return repr(cut(text or "", PREVIEW_TEXT))


def ticket_title(ticket: Ticket) -> str:
    return f"Ticket {ticket.id} {quoted(ticket.summary)}"


async def target_ticket(ctx: ToolContext, ticket_id: int) -> Ticket:
    ticket = ctx.target or await ctx.client.get_ticket(ticket_id)
    ensure_own(ctx, ticket)
    return ticket


# --- create ---------------------------------------------------------------------------------------


async def plan_create(ctx: ToolContext, args: CreateTicketArgs) -> Plan:
    meta = await ctx.client.metadata()
    ttype = resolve("ticket type", args.ticket_type, meta.ticket_types)
    plan = Plan(title=f"New {ttype.name} {quoted(args.summary)}", ticket_type=ttype.name)
    plan.fields = {"summary": args.summary, "details": args.details, "tickettype_id": ttype.id}
    await _place(ctx, args, plan)
    if args.priority:
        priority = priority_in_sla(meta, args.priority, None)
        plan.fields["priority_id"] = priority.number
        plan.changes.append(f"priority {priority.name}")
    await _assign(ctx, meta, args.team, args.agent, plan)
    return plan


async def _place(ctx: ToolContext, args: CreateTicketArgs, plan: Plan) -> None:
    """The requester and where they sit: the user's own site, or the site asked for."""
    user = await requester_for(ctx, args.user)
    if user is not None:
        plan.fields |= {"user_id": user.id, "site_id": user.site_id, "client_id": user.client_id}
        plan.changes.append(f"for {user.name or user.emailaddress}")
    if args.site is not None and args.site != plan.fields.get("site_id"):
        if ctx.scope == "own":
            raise ToolError("you can open tickets only for yourself, at your own site")
        site = await find_site(ctx.client, args.site)
        if site.id != plan.fields.get("site_id"):
            plan.fields |= {"site_id": site.id, "client_id": site.client_id}
            plan.changes.append(f"at {site.name} (site {site.id})")
    plan.fields = {k: v for k, v in plan.fields.items() if v is not None}


async def _assign(
    ctx: ToolContext, meta: InstanceMetadata, team: str | None, agent_ref: int | str | None, plan: Plan
) -> None:
    if team:
        plan.fields["team"] = resolve("team", team, meta.teams).name
        plan.changes.append(f"team {plan.fields['team']}")
    if agent_ref is not None:
        agent = await find_agent(ctx.client, agent_ref)
        plan.fields["agent_id"] = agent.id
        plan.changes.append(f"agent {person(agent.name, 'agent', agent.id)}")


async def create_ticket(ctx: ToolContext, args: CreateTicketArgs) -> ToolResult:
    from halo_agent.halo.queries import TicketWrite

    plan = await plan_create(ctx, args)
    ticket = await ctx.client.create_ticket(TicketWrite(**plan.fields))
    return ToolResult(
        content={"ticket_id": ticket.id, "created": plan.describe(), "summary": args.summary,
                 "ticket_type": plan.ticket_type, "changes": plan.changes},
        summary=f"Created ticket {ticket.id}",
        halo_ids=[ticket.id],
    )


# --- update ---------------------------------------------------------------------------------------


async def plan_update(ctx: ToolContext, args: UpdateTicketArgs) -> Plan:
    ticket = await target_ticket(ctx, args.ticket_id)
    meta = await ctx.client.metadata()
    plan = Plan(title=ticket_title(ticket))
    if args.priority:
        _change_priority(meta, ticket, args.priority, plan)
    if args.status:
        _change_status(meta, ticket, args.status, plan)
    if args.team:
        new_team = resolve("team", args.team, meta.teams).name
        _change(plan, "team", ticket.team, new_team, {"team": new_team})
    if args.agent is not None:
        agent = await find_agent(ctx.client, args.agent)
        before = await _agent_named(ctx, ticket.agent_id)
        _change(plan, "agent", ticket.agent_id, agent.id, {"agent_id": agent.id},
                shown=(before, person(agent.name, "agent", agent.id)))
    if not plan.fields:
        raise ToolError(f"nothing to change: ticket {ticket.id} already has those values")
    return plan


def _change_priority(meta: InstanceMetadata, ticket: Ticket, name: str, plan: Plan) -> None:
    new = priority_in_sla(meta, name, ticket.sla_id)
    old = meta.priority_name(ticket.priority_id, ticket.sla_id) if ticket.priority_id else None
    _change(plan, "priority", old, new.name, {"priority_id": new.number})


def _change_status(meta: InstanceMetadata, ticket: Ticket, name: str, plan: Plan) -> None:
    new = resolve("status", name, meta.statuses)
    if new.id in meta.closed_status_ids:
        raise ToolError(f"{new.name!r} closes the ticket: use haloitsm_resolve_ticket")
    old = meta.status_name(ticket.status_id) if ticket.status_id is not None else None
    _change(plan, "status", old, new.name, {"status_id": new.id})


def _change(
    plan: Plan, what: str, old: object, new: object, fields: dict[str, Any],
    *, shown: tuple[str | None, str] | None = None,
) -> None:
    """Record a change unless the ticket already has the value (no empty writes). `shown`: the old and
    new values as a person reads them, when `old` and `new` are ids."""
    before, after = shown or (str(old) if old not in (None, "") else None, str(new))
    if old == new:
        plan.unchanged.append(f"{what} {after}")
        return
    plan.fields |= fields
    plan.changes.append(f"{what} {before or '(none)'} -> {after}")


async def _agent_named(ctx: ToolContext, agent_id: int | None) -> str | None:
    """ "Sam Turner (agent 6)" for the agent a ticket has; None when it has none."""
    if not agent_id:
        return None
    name = next((agent.name for agent in await ctx.client.agents() if agent.id == agent_id), None)
    return person(name, "agent", agent_id)


def person(name: str | None, kind: str, ref: int) -> str:
    """People first, their Halo id after: "Ben Carter (agent 6)"; the id alone when the name is unknown."""
    return f"{name} ({kind} {ref})" if name else f"{kind} {ref}"


async def update_ticket(ctx: ToolContext, args: UpdateTicketArgs) -> ToolResult:
    from halo_agent.halo.queries import TicketWrite

    plan = await plan_update(ctx, args)
    await ctx.client.update_ticket(args.ticket_id, TicketWrite(**plan.fields))
    return ToolResult(
        content={"ticket_id": args.ticket_id, "changed": plan.changes, "already": plan.unchanged},
        summary=f"Updated ticket {args.ticket_id}: {'; '.join(plan.changes)}" + _already(plan),
        halo_ids=[args.ticket_id],
    )


def _already(plan: Plan) -> str:
    """ "(agent Ben Carter (agent 3) already)": part of a request that needed no change is said, not lost."""
    return f" ({'; '.join(plan.unchanged)} already)" if plan.unchanged else ""


# --- resolve --------------------------------------------------------------------------------------


async def plan_resolve(ctx: ToolContext, args: ResolveTicketArgs) -> Plan:
    ticket = await target_ticket(ctx, args.ticket_id)
    meta = await ctx.client.metadata()
    if meta.is_closed(ticket.status_id):
        raise ToolError(f"ticket {ticket.id} is already {meta.status_name(ticket.status_id)}")
    status = (
        resolve("closed status", args.status, closed_statuses(meta))
        if args.status
        else default_closed_status(meta)
    )
    old = meta.status_name(ticket.status_id) if ticket.status_id is not None else "(none)"
    plan = Plan(title=ticket_title(ticket), status_id=status.id, note=args.note)
    plan.changes.append(f"status {old} -> {status.name}")
    if args.note:
        plan.changes.append(f"note {note_readers(ctx)}: {quoted(args.note)}")
    return plan


async def resolve_ticket(ctx: ToolContext, args: ResolveTicketArgs) -> ToolResult:
    """With a note: ONE action carrying `new_status`, so the note and the closure land in one write
    (never a closed ticket missing its closing note, never a retried note without the closure), and
    Halo records the note as the closure's reason. Instances that ignore `new_status` are caught by
    re-reading the ticket and setting the status with an update. Without a note: a status update."""
    from halo_agent.halo.queries import TicketWrite

    plan = await plan_resolve(ctx, args)
    assert plan.status_id is not None
    ids = [args.ticket_id]
    if plan.note:
        action = await ctx.client.add_note(
            args.ticket_id, plan.note, hidden_from_user=False, new_status=plan.status_id
        )
        ids.append(action.id)
        if (await ctx.client.get_ticket(args.ticket_id)).status_id == plan.status_id:
            return _resolved(args.ticket_id, plan, ids)
    await ctx.client.update_ticket(args.ticket_id, TicketWrite(status_id=plan.status_id))
    return _resolved(args.ticket_id, plan, ids)


def _resolved(ticket_id: int, plan: Plan, ids: list[int]) -> ToolResult:
    return ToolResult(
        content={"ticket_id": ticket_id, "changed": plan.changes},
        summary=f"Resolved ticket {ticket_id}",
        halo_ids=ids,
    )
