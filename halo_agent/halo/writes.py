"""Writes to Halo that never duplicate and never report a lost write as done.

Halo has no idempotency keys and `POST /Tickets` is an upsert: an element without `id` creates. So a
create or a note whose answer was lost (read timeout, dropped connection, gateway 502/504) is not sent
again blindly: we look for it first (tickets: recent tickets by summary and requester; notes: the
ticket's actions by text). Found: return it. Not found: send once more. Cannot tell: say so plainly.
Updates carry their `id` and are idempotent, so the transport may retry them like reads.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from halo_agent.halo.errors import (
    HaloError,
    HaloUnexpectedResponse,
    HaloValidationError,
    HaloWriteUncertainError,
)
from halo_agent.halo.queries import TicketQuery, TicketWrite
from halo_agent.halo.reading import first_record
from halo_agent.halo.records import Action, Ticket
from halo_agent.halo.transport import WriteMaybeLanded

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

log = structlog.get_logger("halo_agent.halo")
R = TypeVar("R")

SEND_ATTEMPTS = 2  # the first send, and one more only after looking and not finding it
CLOCK_SKEW = timedelta(minutes=2)
NAIVE_SLACK = timedelta(hours=14)  # a date without a zone may be in any local time
_MATCH_FIELDS = ("user_id", "site_id", "client_id", "tickettype_id")
_TAGS = re.compile(r"<[^>]+>")


async def create_ticket(client: HaloClient, fields: TicketWrite) -> Ticket:
    body = fields.body()
    if not str(body.get("summary") or "").strip():
        raise ValueError("a new ticket needs a summary")
    started = datetime.now(UTC)

    async def send() -> Ticket:
        payload = await client.request_json("POST", "Tickets", json_body=[body], unsafe=True)
        return first_record(payload, Ticket, "Tickets")

    ticket = await _send_once(
        "ticket", send, lambda: _find_ticket(client, body, started), lambda lost: _ticket_doubt(body, lost)
    )
    if ticket is not None:
        return ticket
    raise HaloWriteUncertainError(
        f"Creating the ticket \"{body['summary']}\" may have worked: Halo's answer was lost twice and the "
        "ticket cannot be found yet. Search Halo for it before creating it again."
    )


async def update_ticket(client: HaloClient, ticket_id: int, fields: TicketWrite) -> Ticket:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        raise ValueError("refusing to update a ticket without a valid id: Halo would create a new ticket")
    body = fields.body()
    if not body:
        raise ValueError(f"nothing to update on ticket #{ticket_id}: no fields were given")
    payload = await client.request_json("POST", "Tickets", json_body=[{**body, "id": ticket_id}])
    ticket = first_record(payload, Ticket, "Tickets")
    if ticket.id != ticket_id:
        raise HaloUnexpectedResponse(
            f"Halo answered the update of ticket #{ticket_id} with ticket #{ticket.id}: check Halo for a "
            "duplicate ticket."
        )
    return ticket


async def add_note(
    client: HaloClient,
    ticket_id: int,
    note: str,
    *,
    hidden_from_user: bool,
    new_status: int | None,
    outcome: str | None,
) -> Action:
    if not note.strip():
        raise ValueError("a note needs some text")
    body: dict[str, Any] = {"ticket_id": int(ticket_id), "note": note, "hiddenfromuser": hidden_from_user}
    chosen = outcome or client.settings.note_outcome
    if not chosen:
        chosen = (await client.metadata()).outcome_for(hidden=hidden_from_user)
    if chosen:
        body["outcome"] = chosen
    if new_status is not None:
        body["new_status"] = int(new_status)
    started = datetime.now(UTC)
    action = await _send_once(
        "note", lambda: _post_note(client, body), lambda: _find_note(client, body, started),
        lambda lost: _note_doubt(ticket_id, lost),
    )
    if action is not None:
        return action
    raise HaloWriteUncertainError(
        f"Adding the note to ticket #{ticket_id} may have worked: Halo's answer was lost twice and the note "
        "cannot be found yet. Check the ticket's actions before adding it again."
    )


async def _post_note(client: HaloClient, body: dict[str, Any]) -> Action:
    try:
        payload = await client.request_json("POST", "Actions", json_body=[body], unsafe=True)
    except HaloValidationError as exc:
        if "outcome" not in exc.message.lower():
            raise
        raise HaloValidationError(
            f"{exc.message}. Set HALO_OUTCOME (or [halo] note_outcome) to an outcome this API "
            "application may use; `halo-agent config check` lists them.",
            field_errors=exc.field_errors,
        ) from None
    return first_record(payload, Action, "Actions")


async def _send_once(
    kind: str,
    send: Callable[[], Awaitable[R]],
    find: Callable[[], Awaitable[R | None]],
    doubt: Callable[[WriteMaybeLanded], str],
) -> R | None:
    """Send a create; when its answer was lost, look for it before sending again (no idempotency keys
    exist in Halo). None: sent SEND_ATTEMPTS times, lost every time, and never found."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await send()
        except WriteMaybeLanded as lost:
            found = await _look(find(), doubt(lost))
            if found is not None:
                log.info("halo.write_found", kind=kind, attempt=attempt)
                return found
            log.warning("halo.write_not_found", kind=kind, attempt=attempt, cause=lost.cause)
    return None


async def _look(search: Awaitable[R], doubt: str) -> R:
    """Run a lookup for a possibly-landed write; any failure to look means we cannot tell."""
    try:
        return await search
    except HaloError as exc:
        raise HaloWriteUncertainError(f"{doubt} Checking failed too: {exc.message}") from None


async def _find_ticket(client: HaloClient, body: dict[str, Any], started: datetime) -> Ticket | None:
    query = TicketQuery(
        search=body["summary"], user_id=body.get("user_id"), site_id=body.get("site_id"), order="id",
        orderdesc=True,
    )
    page = await client.list_tickets(query, page_size=50)
    matches = [t for t in page.items if _same_ticket(t, body, started)]
    return max(matches, key=lambda t: t.id) if matches else None


def _same_ticket(ticket: Ticket, body: dict[str, Any], started: datetime) -> bool:
    if _norm(ticket.summary) != _norm(body.get("summary")):
        return False
    for name in _MATCH_FIELDS:
        have, sent = getattr(ticket, name), body.get(name)
        if sent is not None and have is not None and have != sent:
            return False
    sent_details = _norm(body.get("details"))
    if sent_details and ticket.details and sent_details not in _norm(ticket.details):
        return False
    return _after(ticket.dateoccurred or _extra_str(ticket, "datecreated"), started)


async def _find_note(client: HaloClient, body: dict[str, Any], started: datetime) -> Action | None:
    actions = await client.list_notes(body["ticket_id"], limit=100)
    wanted = _norm(body["note"])
    matches = [
        a for a in actions
        if _norm(a.note or a.note_html) == wanted
        and a.hiddenfromuser in (None, body["hiddenfromuser"])
        and _after(a.datetime, started)
    ]
    return max(matches, key=lambda a: a.id) if matches else None


def _after(stamp: str | None, started: datetime) -> bool:
    """Created after the attempt started (allowing for clock skew). Unknown dates do not exclude."""
    if not stamp:
        return True
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return True
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC) >= started - CLOCK_SKEW - NAIVE_SLACK
    return moment >= started - CLOCK_SKEW


def _norm(text: Any) -> str:
    plain = _TAGS.sub(" ", html.unescape(str(text or "")))
    return " ".join(plain.split()).casefold()


def _extra_str(record: Ticket, name: str) -> str | None:
    value = (record.model_extra or {}).get(name)
    return str(value) if value else None


def _ticket_doubt(body: dict[str, Any], lost: WriteMaybeLanded) -> str:
    return (
        f"Creating the ticket \"{body['summary']}\" may have worked: Halo's answer was lost ({lost.cause}). "
        "Search Halo for it before creating it again."
    )


def _note_doubt(ticket_id: int, lost: WriteMaybeLanded) -> str:
    return (
        f"Adding the note to ticket #{ticket_id} may have worked: Halo's answer was lost ({lost.cause}). "
        "Check the ticket's actions before adding it again."
    )
