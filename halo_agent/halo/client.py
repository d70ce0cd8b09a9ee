"""HaloClient: the async Halo REST client every other part uses.

One injected httpx2 transport; tokens, retries, paging and error mapping handled underneath, so callers
deal in typed records and the package's own errors. See docs/contracts.md "Halo client".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel

from halo_agent import __version__
from halo_agent.config import HaloSettings
from halo_agent.halo import writes
from halo_agent.halo.auth import InstanceKind, TokenManager, instance_kind
from halo_agent.halo.cache import TtlCache
from halo_agent.halo.errors import (
    HaloNotFoundError,
    HaloPermissionError,
    error_for_response,
)
from halo_agent.halo.metadata import InstanceMetadata
from halo_agent.halo.paging import PAGE_SIZE, page_params, walk_pages
from halo_agent.halo.queries import TicketQuery, TicketWrite
from halo_agent.halo.reading import KEYS, first_record, model_of, models_of, page_of, parse_json, rows_of
from halo_agent.halo.records import (
    Action,
    Agent,
    Asset,
    Client,
    KBArticle,
    ListPage,
    Outcome,
    Priority,
    Site,
    Status,
    Team,
    Ticket,
    TicketType,
    User,
)
from halo_agent.halo.retry import RetryPolicy
from halo_agent.halo.stats import ClientStats
from halo_agent.halo.transport import HaloHttp
from halo_agent.logs import get_logger

log = get_logger("halo_agent.halo")
M = TypeVar("M", bound=BaseModel)
NOTES_READ_LIMIT = 2000  # actions read per ticket; far above any real ticket's history
AGENT_DIRECTORY_LIMIT = 2000  # agents held for id -> name; far above any service desk seen

# pydantic caches parametrised generics only weakly: unpinned, `ListPage[Ticket]` is freed by the next
# cyclic GC pass and rebuilt from scratch (milliseconds) by the next page read. Pinned here, once each.
_PAGE_TYPES = (
    ListPage[Ticket], ListPage[Client], ListPage[Site], ListPage[User], ListPage[Agent], ListPage[Asset],
    ListPage[KBArticle],
)


class HaloClient:
    """Async client for one Halo instance. Use `async with HaloClient(settings) as client:`."""

    def __init__(
        self,
        settings: HaloSettings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        metadata_ttl: float = 300.0,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._client = httpx2.AsyncClient(
            transport=transport,
            timeout=settings.timeout_seconds,
            headers={"Accept": "application/json", "User-Agent": f"halo-agent/{__version__}"},
        )
        self.http = HaloHttp(self._client, self.retry, self.stats)
        self.auth = TokenManager(settings, self.http)
        self.metadata_ttl = metadata_ttl
        self._metadata = TtlCache(self._fetch_metadata, ttl=metadata_ttl, clock=self.retry.clock)
        self._agents = TtlCache(self._fetch_agents, ttl=metadata_ttl, clock=self.retry.clock)

    def __repr__(self) -> str:
        return f"HaloClient({self.settings.halo_url!r}, client_id={self.settings.client_id!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HaloClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def instance_kind(self) -> InstanceKind:
        return "hosted" if self.auth.tenant else instance_kind(self.settings)

    # --- the one API path ------------------------------------------------------------------------
    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        unsafe: bool = False,
    ) -> Any:
        """Call `/api/<path>` with a valid token (renewed once on a 401) and return the parsed JSON."""
        url = f"{self.settings.halo_url}/api/{path.lstrip('/')}"
        token = await self.auth.token()
        response = await self.http.send(
            method, url, headers=token.header, params=params, json=json_body, unsafe=unsafe
        )
        if response.status_code == 401:
            token = await self.auth.renew(token)
            response = await self.http.send(
                method, url, headers=token.header, params=params, json=json_body, unsafe=unsafe
            )
        if not 200 <= response.status_code < 300:
            raise error_for_response(response, scope_setting=self.settings.scope)
        return parse_json(response)

    # --- tickets ---------------------------------------------------------------------------------
    async def list_tickets(
        self, query: TicketQuery, *, page_no: int = 1, page_size: int = 25
    ) -> ListPage[Ticket]:
        size = max(1, min(page_size, PAGE_SIZE))
        params = page_params(query.to_params(), page_no, size)
        payload = await self.request_json("GET", "Tickets", params=params)
        return page_of(payload, "Tickets", Ticket, page_no, size)

    async def iter_tickets(self, query: TicketQuery, *, limit: int | None = None) -> AsyncIterator[Ticket]:
        """Every matching ticket, fetched 100 per page as the caller consumes them."""
        rows = walk_pages(self._fetcher("Tickets"), KEYS["Tickets"], query.to_params(), limit=limit)
        async for row in rows:
            ticket = model_of(Ticket, row)
            if ticket is not None:
                yield ticket

    async def get_ticket(self, ticket_id: int, *, include_details: bool = False) -> Ticket:
        params = {"includedetails": "true"} if include_details else None
        try:
            payload = await self.request_json("GET", f"Tickets/{int(ticket_id)}", params=params)
        except HaloNotFoundError:
            raise HaloNotFoundError(
                f"Ticket #{ticket_id} was not found: it does not exist, or this API application cannot "
                "see it.",
                status=404,
            ) from None
        return first_record(payload, Ticket, "Tickets")

    async def create_ticket(self, fields: TicketWrite) -> Ticket:
        """Create one ticket. Never a duplicate: after a lost answer, look for it before sending again."""
        return await writes.create_ticket(self, fields)

    async def update_ticket(self, ticket_id: int, fields: TicketWrite) -> Ticket:
        """Change only the fields set in `fields`. Refuses to send without an id (Halo would create)."""
        return await writes.update_ticket(self, ticket_id, fields)

    async def add_note(
        self,
        ticket_id: int,
        note: str,
        *,
        hidden_from_user: bool,
        new_status: int | None = None,
        outcome: str | None = None,
    ) -> Action:
        """Add a note (an action). `hidden_from_user` decides visibility; the outcome is only a label."""
        return await writes.add_note(
            self, ticket_id, note, hidden_from_user=hidden_from_user, new_status=new_status, outcome=outcome
        )

    async def list_notes(self, ticket_id: int, *, limit: int = 50) -> list[Action]:
        """The ticket's latest `limit` notes, oldest first. Every page is read (one request for most
        tickets): Halo's order for actions is not documented, so "latest" is only known after all."""
        params = {"ticket_id": str(int(ticket_id))}
        rows = walk_pages(self._fetcher("Actions"), KEYS["Actions"], params, limit=NOTES_READ_LIMIT)
        actions = [
            a async for row in rows if (a := model_of(Action, row)) and a.ticket_id in (None, ticket_id)
        ]
        actions.sort(key=lambda action: action.id)
        return actions[-max(1, limit):]

    # --- lookups ---------------------------------------------------------------------------------
    async def list_clients(self, search: str | None = None, *, limit: int = 25) -> ListPage[Client]:
        return await self._lookup("Client", Client, limit, search=search)

    async def list_sites(
        self, search: str | None = None, *, client_id: int | None = None, limit: int = 25
    ) -> ListPage[Site]:
        return await self._lookup("Site", Site, limit, search=search, client_id=client_id)

    async def list_users(
        self, search: str | None = None, *, client_id: int | None = None, site_id: int | None = None,
        limit: int = 25,
    ) -> ListPage[User]:
        return await self._lookup("Users", User, limit, search=search, client_id=client_id, site_id=site_id)

    async def list_agents(self, search: str | None = None, *, limit: int = 100) -> ListPage[Agent]:
        return await self._lookup("Agent", Agent, limit, search=search)

    async def list_assets(
        self, search: str | None = None, *, client_id: int | None = None, site_id: int | None = None,
        user_id: int | None = None, limit: int = 25,
    ) -> ListPage[Asset]:
        return await self._lookup(
            "Asset", Asset, limit, search=search, client_id=client_id, site_id=site_id, user_id=user_id
        )

    async def search_kb(self, search: str, *, limit: int = 5) -> ListPage[KBArticle]:
        return await self._lookup("KBArticle", KBArticle, limit, search=search)

    async def find_user_by_email(self, email: str) -> User | None:
        """The user whose email is exactly `email` (case-insensitive), or None."""
        wanted = email.strip().casefold()
        if not wanted:
            return None
        page = await self.list_users(wanted, limit=50)
        return next((u for u in page.items if (u.email_address or "").strip().casefold() == wanted), None)

    async def me(self) -> Agent:
        """The agent this API application acts as."""
        return first_record(await self.request_json("GET", "Agent/me"), Agent, "Agent")

    async def _lookup(
        self, path: str, model: type[M], limit: int, **filters: str | int | None
    ) -> ListPage[M]:
        params = {k: str(v) for k, v in filters.items() if v is not None and v != ""}
        size = max(1, min(limit, PAGE_SIZE))
        payload = await self.request_json("GET", path, params=page_params(params, 1, size))
        return page_of(payload, path, model, 1, size)

    def _fetcher(self, path: str) -> Any:
        async def fetch(params: dict[str, str]) -> Any:
            return await self.request_json("GET", path, params=params)

        return fetch

    # --- instance metadata -----------------------------------------------------------------------
    async def metadata(self) -> InstanceMetadata:
        """Ticket types, statuses, priorities, teams and outcomes: one fetch per TTL, shared."""
        return await self._metadata.get()

    async def agents(self) -> list[Agent]:
        """Every agent (the directory that turns agent ids into names), cached like the metadata."""
        return await self._agents.get()

    def forget_metadata(self) -> None:
        """Drop the cached metadata and agents (e.g. after an admin changed statuses in Halo)."""
        self._metadata.forget()
        self._agents.forget()

    async def _fetch_agents(self) -> list[Agent]:
        # Disabled agents too: old tickets still name them. (An unknown parameter is ignored by Halo.)
        params = {"includedisabled": "true"}
        rows = walk_pages(self._fetcher("Agent"), KEYS["Agent"], params, limit=AGENT_DIRECTORY_LIMIT)
        return [agent async for row in rows if (agent := model_of(Agent, row)) is not None]

    async def _fetch_metadata(self) -> InstanceMetadata:
        warnings: list[str] = []
        kinds: Sequence[tuple[str, type[BaseModel]]] = (
            ("TicketType", TicketType), ("Status", Status), ("Priority", Priority), ("Team", Team),
            ("Outcome", Outcome),
        )
        lists = await asyncio.gather(*(self._metadata_list(path, model, warnings) for path, model in kinds))
        return InstanceMetadata(
            ticket_types=lists[0], statuses=lists[1], priorities=lists[2], teams=lists[3], outcomes=lists[4],
            configured_outcome=self.settings.note_outcome, warnings=warnings,
        )

    async def _metadata_list(self, path: str, model: type[M], warnings: list[str]) -> list[M]:
        """One kind of metadata; a kind this application may not read leaves a warning, not a failure."""
        try:
            rows, _ = rows_of(await self.request_json("GET", path), path)
        except HaloPermissionError as exc:
            if path in ("TicketType", "Status"):
                raise
            warnings.append(f"{path}: {exc.message}")
            return []
        return models_of(model, rows)
