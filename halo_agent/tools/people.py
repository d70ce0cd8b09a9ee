"""Who and where: the requester of a new ticket, a site by id, an agent by id, all checked against Halo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halo_agent.halo.errors import HaloNotFoundError
from halo_agent.tools.base import ToolContext, ToolError

if TYPE_CHECKING:
    from halo_agent.halo.models import Agent, Site, User


async def requester_for(ctx: ToolContext, email: str | None) -> User | None:
    """The ticket's user. In own scope it is always the principal, whatever email the model gave."""
    if ctx.scope == "own":
        return await _principal_user(ctx, email)
    if not email:
        return None
    user = await ctx.client.find_user_by_email(email.strip())
    if user is None:
        raise ToolError(f"no Halo user has the email {email!r}; look the user up first")
    return user


async def _principal_user(ctx: ToolContext, email: str | None) -> User:
    me = ctx.principal
    if email and me.email and email.strip().casefold() != me.email.casefold():
        raise ToolError("you can open tickets only for yourself")
    user = await ctx.client.find_user_by_email(me.email) if me.email else None
    if user is None or user.id != me.halo_user_id:
        raise ToolError("your Halo user record could not be found, so no ticket can be opened for you")
    return user


async def find_site(ctx: ToolContext, site_id: int) -> Site:
    """`GET /Site/{id}`: the client has no helper for one site, so this goes through its one API path."""
    from halo_agent.halo.models import Site
    from halo_agent.halo.reading import first_record

    try:
        payload = await ctx.client.request_json("GET", f"Site/{int(site_id)}")
    except HaloNotFoundError:
        raise ToolError(f"no site has id {site_id}; use haloitsm_lookup kind=sites to find it") from None
    return first_record(payload, Site, "Site")


async def find_agent(ctx: ToolContext, agent_id: int) -> Agent:
    active = [a for a in await ctx.client.agents() if not a.isdisabled]
    for agent in active:
        if agent.id == agent_id:
            return agent
    raise ToolError(
        f"no active agent has id {agent_id}", choices=[f"{a.id}: {a.name}" for a in active][:25]
    )
