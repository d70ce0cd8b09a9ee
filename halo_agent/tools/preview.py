"""Previews: the exact change a write will make, in words, built by the same plan the write runs.

e.g. "Ticket 789 'Cannot access email': priority Medium -> High; team 1st Line Support -> 2nd Line Support"
"""

from __future__ import annotations

from halo_agent.tools.base import ToolContext
from halo_agent.tools.notes import AddNoteArgs, plan_note
from halo_agent.tools.ticket_writes import (
    CreateTicketArgs,
    ResolveTicketArgs,
    UpdateTicketArgs,
    plan_create,
    plan_resolve,
    plan_update,
)


async def preview_create(ctx: ToolContext, args: CreateTicketArgs) -> str:
    return (await plan_create(ctx, args)).describe()


async def preview_update(ctx: ToolContext, args: UpdateTicketArgs) -> str:
    return (await plan_update(ctx, args)).describe()


async def preview_note(ctx: ToolContext, args: AddNoteArgs) -> str:
    return (await plan_note(ctx, args)).describe()


async def preview_resolve(ctx: ToolContext, args: ResolveTicketArgs) -> str:
    return (await plan_resolve(ctx, args)).describe()
