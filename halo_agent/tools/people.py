"""The requester of a new ticket: anyone in the directory, or in own scope the principal only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halo_agent.tools.base import ToolContext, ToolError
from halo_agent.tools.directory import find_user

if TYPE_CHECKING:
    from halo_agent.halo.models import User


async def requester_for(ctx: ToolContext, ref: int | str | None) -> User | None:
    """The ticket's user. In own scope it is always the principal, whatever the model gave."""
    if ctx.scope == "own":
        return await _principal_user(ctx, ref)
    if ref is None:
        return None
    return await find_user(ctx.client, ref)


async def _principal_user(ctx: ToolContext, ref: int | str | None) -> User:
    me = ctx.principal
    if ref is not None and not _is_me(ctx, ref):
        raise ToolError("you can open tickets only for yourself")
    user = await ctx.client.find_user_by_email(me.email) if me.email else None
    if user is None or user.id != me.halo_user_id:
        raise ToolError("your Halo user record could not be found, so no ticket can be opened for you")
    return user


def _is_me(ctx: ToolContext, ref: int | str) -> bool:
    me = ctx.principal
    if isinstance(ref, int):
        return ref == me.halo_user_id
    return bool(me.email) and ref.strip().casefold() == (me.email or "").casefold()

