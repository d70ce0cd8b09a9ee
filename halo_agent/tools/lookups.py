"""Read-only lookups: people and places, the instance's vocabulary, and the knowledge base.

Trust: names of statuses, priorities, ticket types and teams are configured by the desk's admins and are
returned as trusted results; client, site, user, agent and asset records and KB bodies hold text that
outsiders can write, so they come back as untrusted data.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from halo_agent.tools.base import Name, ToolArgs, ToolContext, ToolResult
from halo_agent.tools.directory import canonical_refs
from halo_agent.tools.format import NOTE_CHARS, PAGE_SIZE, count_of, cut
from halo_agent.tools.names import choices
from halo_agent.tools.refs import DirectoryRef

if TYPE_CHECKING:
    from halo_agent.halo.models import Asset, KBArticle

LookupKind = Literal["clients", "sites", "users", "agents", "teams", "assets"]
KB_ROWS = 5
KB_CHARS = 600


class LookupArgs(ToolArgs):
    kind: LookupKind
    search: Name | None = Field(None, description="name or email")
    client: DirectoryRef | None = None
    site: DirectoryRef | None = None

    def ids(self) -> tuple[int | None, int | None]:
        """The client and site ids (the executor resolves names to ids before the handler runs)."""
        return (self.client if isinstance(self.client, int) else None,
                self.site if isinstance(self.site, int) else None)


class TicketOptionsArgs(ToolArgs):
    pass


class SearchKbArgs(ToolArgs):
    query: Name = Field(description="key words")


Rows = tuple[list[dict[str, Any]], int | None]


async def _clients(ctx: ToolContext, a: LookupArgs) -> Rows:
    page = await ctx.client.list_clients(a.search, limit=PAGE_SIZE)
    return [{"id": c.id, "name": c.name} for c in page.items], page.total


async def _sites(ctx: ToolContext, a: LookupArgs) -> Rows:
    page = await ctx.client.list_sites(a.search, client_id=a.ids()[0], limit=PAGE_SIZE)
    return [{"id": s.id, "name": s.name, "client": s.client_name} for s in page.items], page.total


async def _users(ctx: ToolContext, a: LookupArgs) -> Rows:
    client_id, site_id = a.ids()
    page = await ctx.client.list_users(a.search, client_id=client_id, site_id=site_id, limit=PAGE_SIZE)
    rows = [{"id": u.id, "name": u.name, "email": u.email_address, "site": u.site_name} for u in page.items]
    return rows, page.total


async def _agents(ctx: ToolContext, a: LookupArgs) -> Rows:
    page = await ctx.client.list_agents(a.search, limit=100)
    active = [g for g in page.items if not g.isdisabled]
    return [{"id": g.id, "name": g.name, "team": g.team} for g in active[:PAGE_SIZE]], len(active)


async def _teams(ctx: ToolContext, a: LookupArgs) -> Rows:
    meta = await ctx.client.metadata()
    wanted = (a.search or "").casefold()
    teams = [t for t in meta.teams if not t.inactive and wanted in (t.name or "").casefold()]
    return [{"id": t.id, "name": t.name} for t in teams[:PAGE_SIZE]], len(teams)


async def _assets(ctx: ToolContext, a: LookupArgs) -> Rows:
    client_id, site_id = a.ids()
    page = await ctx.client.list_assets(a.search, client_id=client_id, site_id=site_id, limit=PAGE_SIZE)
    return [_asset_row(x) for x in page.items], page.total


def _asset_row(asset: Asset) -> dict[str, Any]:
    # The site by name where Halo gives it (people read names); its id where it does not.
    place: dict[str, Any] = {"site": asset.site_name} if asset.site_name else {"site_id": asset.site_id}
    return {"id": asset.id, "tag": asset.inventory_number, "type": asset.assettype_name,
            "user": asset.username, **place}


_LOOKUPS: dict[str, Callable[[ToolContext, LookupArgs], Awaitable[Rows]]] = {
    "clients": _clients, "sites": _sites, "users": _users,
    "agents": _agents, "teams": _teams, "assets": _assets,
}


async def lookup(ctx: ToolContext, args: LookupArgs) -> ToolResult:
    places = await canonical_refs(ctx.client, args.model_dump(include={"client", "site"}))
    args = args.model_copy(update=places)
    rows, total = await _LOOKUPS[args.kind](ctx, args)
    total = total if total is not None else len(rows)
    content = {args.kind: rows, "total": total, "more": total > len(rows)}
    return ToolResult(
        content=content,
        summary=count_of(total, args.kind.removesuffix("s"), args.kind),
        halo_ids=[r["id"] for r in rows],
        untrusted=args.kind != "teams" and bool(rows),
    )


async def ticket_options(ctx: ToolContext, args: TicketOptionsArgs) -> ToolResult:
    meta = await ctx.client.metadata()
    closed = meta.closed_status_ids
    content = {
        "ticket_types": choices(_active_names(meta.ticket_types)),
        "statuses": choices(s.name or "" for s in meta.statuses if s.id not in closed),
        "closed_statuses": choices(s.name or "" for s in meta.statuses if s.id in closed),
        "priorities": choices(p.name or "" for p in meta.priorities),
        "teams": choices(_active_names(meta.teams)),
    }
    return ToolResult(content=content, summary="ticket types, statuses, priorities and teams")


def _active_names(items: Sequence[BaseModel]) -> list[str]:
    return [str(getattr(i, "name", "") or "") for i in items if not getattr(i, "inactive", False)]


async def search_kb(ctx: ToolContext, args: SearchKbArgs) -> ToolResult:
    found, total = await _kb_articles(ctx, args.query)
    rows = [
        {"id": a.id, "title": a.name, "summary": cut(a.description, NOTE_CHARS),
         "answer": cut(a.resolution, KB_CHARS)}
        for a in found[:KB_ROWS]
    ]
    return ToolResult(
        content={"articles": rows, "total": total},
        summary=f"{count_of(len(rows), 'KB article')} for {args.query!r}",
        halo_ids=[r["id"] for r in rows],
        untrusted=bool(rows),
    )


async def _kb_articles(ctx: ToolContext, query: str) -> tuple[list[KBArticle], int]:
    """Halo searches for the phrase as typed; when that finds nothing ("reset my password"), search
    each significant word and rank articles by how many of the words they contain."""
    page = await ctx.client.search_kb(query, limit=KB_ROWS)
    words = [w for w in re.findall(r"[\w-]{3,}", query.casefold()) if w not in _STOPWORDS]
    if page.items or len(words) < 2:
        return page.items, page.total if page.total is not None else len(page.items)
    seen: dict[int, KBArticle] = {}
    for word in words:
        for article in (await ctx.client.search_kb(word, limit=KB_ROWS)).items:
            seen.setdefault(article.id, article)
    ranked = sorted(seen.values(), key=lambda a: -_hits(a, words))
    return ranked, len(ranked)


def _hits(article: KBArticle, words: list[str]) -> int:
    text = " ".join(filter(None, (article.name, article.description, article.tag_string))).casefold()
    return sum(word in text for word in words)


_STOPWORDS = frozenset((
    "how", "what", "why", "when", "where", "who", "can", "could", "does", "the", "and", "for", "you",
    "your", "my", "our", "with", "from", "into", "about", "this", "that", "have", "has", "not", "are",
    "was", "get",
))
