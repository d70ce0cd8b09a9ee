"""Finding a write whose answer was lost, among only the records that could be this attempt.

Halo has no idempotency keys, and its dates carry no zone (an instance's local time), so "created after
the attempt started" is judged by id, not by date: before a create or a note is sent, the highest ticket
id (or the ticket's highest action id) is read as the attempt's floor. A record can be this attempt only
if its id is above the floor and it holds exactly what was sent (summary, details, requester, site, type;
or the note's text and visibility). Updates carry their id: the ticket is read back and compared.

Halo may commit after the client gave up waiting, so a lost answer is looked for several times over a
bounded window (`RetryPolicy.lost_write_polls`); not found then, the write is reported as unknown, with
what was checked, and never sent again.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from halo_agent.halo.errors import HaloError
from halo_agent.halo.queries import TicketQuery
from halo_agent.halo.records import Action, Ticket

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

WriteKind = Literal["ticket", "note", "update"]
_TICKET_FIELDS = ("user_id", "site_id", "client_id", "tickettype_id")
_UPDATE_FIELDS = ("status_id", "priority_id", "agent_id", "team", "user_id", "site_id", "tickettype_id")
_TAGS = re.compile(r"<[^>]+>")
SEARCH_PAGE = 50


@dataclass
class Attempt:
    """One write as sent: its kind, body, target ticket and floor (the highest id before it was sent)."""

    kind: WriteKind
    body: dict[str, Any]
    ticket_id: int | None = None
    floor: int | None = None
    started: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attempt:
        return cls(**data)

    def what(self) -> str:
        """The write in a few words, for answers."""
        if self.kind == "ticket":
            return f"the ticket \"{self.body.get('summary')}\""
        if self.kind == "note":
            return f"the note on ticket #{self.ticket_id}"
        return f"the change to ticket #{self.ticket_id}"


async def ticket_floor(client: HaloClient) -> int:
    """The highest ticket id Halo shows now (0 when it shows none)."""
    page = await client.list_tickets(TicketQuery(order="id", orderdesc=True), page_size=1)
    return max((ticket.id for ticket in page.items), default=0)


async def note_floor(client: HaloClient, ticket_id: int) -> int:
    """The ticket's highest action id now."""
    actions = await client.list_notes(ticket_id, limit=1)
    return max((action.id for action in actions), default=0)


async def find(client: HaloClient, attempt: Attempt) -> Ticket | Action | None:
    """The record this attempt made, if Halo shows it. Raises HaloError when Halo cannot be read."""
    if attempt.kind == "ticket":
        return await _find_ticket(client, attempt)
    if attempt.kind == "note":
        return await _find_note(client, attempt)
    return await _find_update(client, attempt)


async def _find_ticket(client: HaloClient, attempt: Attempt) -> Ticket | None:
    body = attempt.body
    query = TicketQuery(search=body.get("summary"), order="id", orderdesc=True)
    page = await client.list_tickets(query, page_size=SEARCH_PAGE)
    matches = [t for t in page.items if t.id > (attempt.floor or 0) and same_ticket(t, body)]
    return min(matches, key=lambda t: t.id) if matches else None


def same_ticket(ticket: Ticket, body: dict[str, Any]) -> bool:
    if norm(ticket.summary) != norm(body.get("summary")):
        return False
    for name in _TICKET_FIELDS:
        have, sent = getattr(ticket, name), body.get(name)
        if sent is not None and have is not None and have != sent:
            return False
    sent_details = norm(body.get("details"))
    shown = norm(ticket.details or ticket.details_html)
    return not (sent_details and shown and sent_details not in shown)


async def _find_note(client: HaloClient, attempt: Attempt) -> Action | None:
    assert attempt.ticket_id is not None
    actions = await client.list_notes(attempt.ticket_id, limit=200)
    wanted, hidden = norm(attempt.body.get("note")), attempt.body.get("hiddenfromuser")
    matches = [
        a for a in actions
        if a.id > (attempt.floor or 0) and norm(a.note or a.note_html) == wanted
        and a.hiddenfromuser in (None, hidden)
    ]
    return min(matches, key=lambda a: a.id) if matches else None


async def _find_update(client: HaloClient, attempt: Attempt) -> Ticket | None:
    """The ticket, when it holds every value the update set (an update is idempotent: that is all)."""
    assert attempt.ticket_id is not None
    ticket = await client.get_ticket(attempt.ticket_id)
    for name in _UPDATE_FIELDS:
        if name in attempt.body and getattr(ticket, name) != attempt.body[name]:
            return None
    return ticket


def norm(text: Any) -> str:
    plain = _TAGS.sub(" ", html.unescape(str(text or "")))
    return " ".join(plain.split()).casefold()


@dataclass
class Search:
    """How a look for a lost write went: how often and how long it looked, and what failed."""

    looks: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def checked(self, attempt: Attempt) -> str:
        """What was checked, in words."""
        where = {
            "ticket": f"tickets numbered above #{attempt.floor} (created after the attempt started) with "
                      "this summary, details and requester",
            "note": f"notes on ticket #{attempt.ticket_id} added after the attempt started (above action "
                    f"{attempt.floor}) with this text",
            "update": f"ticket #{attempt.ticket_id}'s current values",
        }[attempt.kind]
        failed = (f"; {len(self.failures)} of the look-ups failed ({self.failures[-1]})"
                  if self.failures else "")
        return f"I looked {self.looks} time(s) over {self.seconds:g} s at {where}{failed}"


async def look_for(client: HaloClient, attempt: Attempt, polls: tuple[float, ...]) -> tuple[
    Ticket | Action | None, Search
]:
    """Look for the attempt's record after each wait in `polls`; stop at the first sighting."""
    search = Search()
    for wait in polls:
        if wait:
            await client.retry.sleep(wait)
            search.seconds += wait
        search.looks += 1
        try:
            found = await find(client, attempt)
        except HaloError as exc:
            search.failures.append(exc.message)
            continue
        if found is not None:
            return found, search
    return None, search
