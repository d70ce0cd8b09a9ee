"""People and places by name, email or id, resolved in code against Halo's directory.

The model passes what the person said ("Ben Carter", "ben.carter@example.com", 6). Before the policy
sees a call, each is turned into the one Halo record's id, or the call fails with the candidates as
choices, so the model asks the person instead of guessing an id. Matching ignores case: an exact name or
email wins, else a unique name prefix, else a unique name whose words start with the words given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from halo_agent.halo.errors import HaloNotFoundError
from halo_agent.halo.models import Agent, Client, Site, User
from halo_agent.halo.reading import first_record
from halo_agent.tools.base import ToolError

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

T = TypeVar("T")
SEARCH_ROWS = 50
CHOICES = 10


@dataclass(frozen=True)
class Entry:
    """How a record is matched and offered as a choice."""

    id: int
    name: str
    email: str | None = None
    where: str | None = None  # a user's site, a site's client: tells namesakes apart

    def choice(self) -> str:
        extra = "; ".join(filter(None, (self.email, self.where)))
        return f"{self.name} ({extra}; id {self.id})" if extra else f"{self.name} (id {self.id})"


@dataclass(frozen=True)
class Kind(Generic[T]):
    """One kind of directory record: how to fetch one by id, how to search, how to match."""

    label: str
    by_id: Callable[[HaloClient, int], Awaitable[T | None]]
    search: Callable[[HaloClient, str], Awaitable[Sequence[T]]]
    entry: Callable[[T], Entry]


async def resolve(client: HaloClient, kind: Kind[T], ref: int | str) -> T:
    """The one record `ref` names, or a ToolError with the candidates."""
    if isinstance(ref, int):
        found = await kind.by_id(client, ref)
        if found is None:
            raise ToolError(f"no active {kind.label} has id {ref}; give a name or an email instead")
        return found
    return pick(kind, ref, await kind.search(client, ref))


def pick(kind: Kind[T], text: str, items: Sequence[T]) -> T:
    wanted = " ".join(text.split()).casefold()
    entries = [(item, kind.entry(item)) for item in items]
    matches = _matches(wanted, entries)
    if len(matches) == 1:
        return matches[0][0]
    if not matches:
        offered = [e.choice() for _, e in entries[:CHOICES]]
        raise ToolError(f"no {kind.label} matches {text!r}", choices=offered)
    offered = [e.choice() for _, e in matches[:CHOICES]]
    raise ToolError(f"{len(matches)} {kind.label}s match {text!r}: ask the person which one", choices=offered)


def _matches(wanted: str, entries: list[tuple[T, Entry]]) -> list[tuple[T, Entry]]:
    if "@" in wanted:
        return [(i, e) for i, e in entries if (e.email or "").strip().casefold() == wanted]
    names = [(i, e, e.name.casefold()) for i, e in entries]
    words = wanted.split()
    for test in (
        lambda name: name == wanted,
        lambda name: name.startswith(wanted),
        lambda name: all(any(part.startswith(w) for part in name.split()) for w in words),
    ):
        found = [(i, e) for i, e, name in names if test(name)]
        if found:
            return found
    return []


# --- agents: from the cached agent directory ------------------------------------------------------


async def _agent_by_id(client: HaloClient, agent_id: int) -> Agent | None:
    return next((a for a in await _active_agents(client, "") if a.id == agent_id), None)


async def _active_agents(client: HaloClient, _text: str) -> list[Agent]:
    return [a for a in await client.agents() if not a.isdisabled]


def _agent_entry(agent: Agent) -> Entry:
    return Entry(agent.id, agent.name or "", agent.email, agent.team)


# --- users, sites, clients: Halo's search, and GET /<Kind>/{id} -----------------------------------


def _one(path: str, model: type[Any]) -> Callable[[HaloClient, int], Awaitable[Any]]:
    async def by_id(client: HaloClient, record_id: int) -> Any:
        try:
            record = first_record(await client.request_json("GET", f"{path}/{record_id}"), model, path)
        except HaloNotFoundError:
            return None
        return None if getattr(record, "inactive", False) else record

    return by_id


def _search(list_method: str) -> Callable[[HaloClient, str], Awaitable[list[Any]]]:
    """Halo matches the whole text as one substring; "Carter Ben" then finds nothing, so on no
    result search the longest word and let the word match decide."""

    async def active(client: HaloClient, text: str) -> list[Any]:
        page = await getattr(client, list_method)(text, limit=SEARCH_ROWS)
        return [r for r in page.items if not getattr(r, "inactive", False)]

    async def search(client: HaloClient, text: str) -> list[Any]:
        rows = await active(client, text)
        words = sorted(text.split(), key=len, reverse=True)
        if rows or len(words) < 2 or "@" in text:
            return rows
        return await active(client, words[0])

    return search


def _user_entry(user: User) -> Entry:
    return Entry(user.id, user.name or "", user.email_address, user.site_name)


def _site_entry(site: Site) -> Entry:
    return Entry(site.id, site.name or "", None, site.client_name)


def _client_entry(record: Client) -> Entry:
    return Entry(record.id, record.name or "")


AGENTS: Kind[Agent] = Kind("agent", _agent_by_id, _active_agents, _agent_entry)
USERS: Kind[User] = Kind("user", _one("Users", User), _search("list_users"), _user_entry)
SITES: Kind[Site] = Kind("site", _one("Site", Site), _search("list_sites"), _site_entry)
CLIENTS: Kind[Client] = Kind("client", _one("Client", Client), _search("list_clients"), _client_entry)
KINDS: dict[str, Kind[Any]] = {"agent": AGENTS, "user": USERS, "site": SITES, "client": CLIENTS}


async def find_agent(client: HaloClient, ref: int | str) -> Agent:
    return await resolve(client, AGENTS, ref)


async def find_user(client: HaloClient, ref: int | str) -> User:
    return await resolve(client, USERS, ref)


async def find_site(client: HaloClient, ref: int | str) -> Site:
    return await resolve(client, SITES, ref)


async def find_client(client: HaloClient, ref: int | str) -> Client:
    return await resolve(client, CLIENTS, ref)


def has_refs(args: dict[str, Any]) -> bool:
    return any(args.get(key) is not None for key in KINDS)


async def canonical_refs(
    client: HaloClient, args: dict[str, Any], settable: Collection[str] | None = None
) -> dict[str, Any]:
    """Every person or place argument replaced by its Halo id (raises ToolError with choices).

    Only arguments the role may set are looked up: one it may not set is refused by the policy, and
    resolving it first would let the error's choices show the directory to someone denied it.
    """
    return {key: ref for key, (ref, _) in (await resolved_refs(client, args, settable)).items()}


async def resolved_refs(
    client: HaloClient, args: dict[str, Any], settable: Collection[str] | None = None
) -> dict[str, tuple[Any, str | None]]:
    """As `canonical_refs`, each with the record as a person reads it ("Grace Lin (agent 7)"), so an
    answer names whom Halo matched rather than echoing what was typed; None for arguments left as given."""
    fixed: dict[str, tuple[Any, str | None]] = {key: (value, None) for key, value in args.items()}
    for key, kind in KINDS.items():
        value = args.get(key)
        if value is not None and (settable is None or key in settable):
            entry = kind.entry(await resolve(client, kind, value))
            fixed[key] = (entry.id, f"{entry.name} ({kind.label} {entry.id})" if entry.name else None)
    return fixed
