"""Writes to Halo that never duplicate, are journaled before they are sent, and never report a lost
write as done.

Halo has no idempotency keys and `POST /Tickets` is an upsert: an element without `id` creates. So a
create or a note whose answer was lost (read timeout, dropped connection, gateway 502/504) is never sent
again: it is looked for among the records that could only be this attempt (`lost_writes`), over a bounded
window for late commits. Found: it is returned. Not found: the outcome is unknown and said so, with what
was checked. An update carries its `id` and is idempotent (the transport retries it like a read); when it
fails anyway, the ticket is read back, since the change may have landed.

Every write goes through the recorder the executor installed (`intent_hook`), if any: intended before it
is sent, settled (applied, failed, unknown) after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from halo_agent.halo.errors import (
    HaloError,
    HaloUnavailableError,
    HaloUnexpectedResponse,
    HaloUnreachableError,
    HaloValidationError,
    HaloWriteUncertainError,
)
from halo_agent.halo.intent_hook import current_recorder
from halo_agent.halo.lost_writes import Attempt, Search, look_for, note_floor, ticket_floor
from halo_agent.halo.queries import TicketWrite
from halo_agent.halo.reading import first_record
from halo_agent.halo.records import Action, Ticket
from halo_agent.halo.transport import WriteMaybeLanded
from halo_agent.logs import get_logger

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

log = get_logger("halo_agent.halo")
R = TypeVar("R", Ticket, Action)


async def create_ticket(client: HaloClient, fields: TicketWrite) -> Ticket:
    body = fields.body()
    if not str(body.get("summary") or "").strip():
        raise ValueError("a new ticket needs a summary")
    attempt = Attempt("ticket", body, floor=await ticket_floor(client))

    async def send() -> Ticket:
        payload = await client.request_json("POST", "Tickets", json_body=[body], unsafe=True)
        return first_record(payload, Ticket, "Tickets")

    return await _journaled(client, attempt, send, Ticket)


async def update_ticket(client: HaloClient, ticket_id: int, fields: TicketWrite) -> Ticket:
    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int) or ticket_id <= 0:
        raise ValueError("refusing to update a ticket without a valid id: Halo would create a new ticket")
    body = fields.body()
    if not body:
        raise ValueError(f"nothing to update on ticket #{ticket_id}: no fields were given")
    attempt = Attempt("update", body, ticket_id=ticket_id)

    async def send() -> Ticket:
        payload = await client.request_json("POST", "Tickets", json_body=[{**body, "id": ticket_id}])
        return first_record(payload, Ticket, "Tickets")

    ticket = await _journaled(client, attempt, send, Ticket)
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
    attempt = Attempt("note", body, ticket_id=int(ticket_id), floor=await note_floor(client, ticket_id))
    return await _journaled(client, attempt, lambda: _post_note(client, body), Action)


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


async def _journaled(
    client: HaloClient, attempt: Attempt, send: Callable[[], Awaitable[R]], kind: type[R]
) -> R:
    """Send once, journaled: intended before, settled after (an interrupted call stays unsettled, for
    the reconciler to look up)."""
    recorder = current_recorder()
    intent_id = recorder.intended(attempt) if recorder else None
    try:
        record = await _send_once(client, attempt, send, kind)
    except HaloWriteUncertainError as exc:
        if recorder and intent_id:
            recorder.settled(intent_id, "unknown", None, exc.message)
        raise
    except HaloError as exc:
        if recorder and intent_id:
            recorder.settled(intent_id, "failed", None, exc.message)
        raise
    except BaseException:  # cancelled mid-write: it may have landed; the reconciler looks it up
        if recorder and intent_id:
            recorder.settled(intent_id, "unknown", None, "interrupted before Halo answered")
        raise
    if recorder and intent_id:
        recorder.settled(intent_id, "applied", record.id, None)
    return record


async def _send_once(
    client: HaloClient, attempt: Attempt, send: Callable[[], Awaitable[R]], kind: type[R]
) -> R:
    try:
        return await send()
    except WriteMaybeLanded as lost:
        found, search = await look_for(client, attempt, client.retry.lost_write_polls)
        if isinstance(found, kind):
            log.info("halo.write_found", kind=attempt.kind, looks=search.looks)
            return found
        log.warning("halo.write_unknown", kind=attempt.kind, cause=lost.cause, looks=search.looks)
        raise HaloWriteUncertainError(_unknown(attempt, lost.cause, search)) from None
    except HaloUnreachableError:
        raise  # never sent (refused, unknown host): nothing to look for, and a look would fail alike
    except HaloUnavailableError as failed:
        # Halo answered with an error (or stopped answering an update after its retries): it says the
        # write failed, but look once: a change that landed must never be reported as failed.
        found, search = await look_for(client, attempt, (0.0,))
        if isinstance(found, kind):
            log.info("halo.write_found_after_error", kind=attempt.kind, status=failed.status)
            return found
        if search.failures:
            raise HaloWriteUncertainError(_unknown(attempt, failed.message, search)) from None
        raise


def _unknown(attempt: Attempt, cause: str, search: Search) -> str:
    advice = {
        "ticket": f"Search Halo for \"{attempt.body.get('summary')}\" before asking for it again.",
        "note": f"Check ticket #{attempt.ticket_id}'s notes before asking for it again.",
        "update": f"Check ticket #{attempt.ticket_id} before asking for it again.",
    }[attempt.kind]
    return (
        f"Halo's answer to {attempt.what()} was lost ({cause}). {search.checked(attempt)} and did not "
        "find it. It was most likely not made, but Halo may still commit it late, so I did not send it "
        f"again. {advice}"
    )
