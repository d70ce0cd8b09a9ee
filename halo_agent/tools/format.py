"""Compact result shapes: ticket rows, cut text, and the JSON text the model reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from halo_agent.halo.models import Ticket
    from halo_agent.tools.names import NameBook

PAGE_SIZE = 25
SUMMARY_CHARS = 160
DETAILS_CHARS = 800
NOTE_CHARS = 500


def cut(text: str | None, limit: int) -> str | None:
    """Cut long Halo text, saying how much was left out so the model never mistakes it for the whole."""
    if text is None:
        return None
    text = text.strip()
    if len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}… [cut, {len(text)} chars in full]"


def ticket_row(ticket: Ticket, names: NameBook) -> dict[str, Any]:
    """The contract's row: ids resolved to the names a person uses."""
    return {
        "id": ticket.id,
        "summary": cut(ticket.summary, SUMMARY_CHARS),
        "status": names.status(ticket.status_id),
        "priority": names.priority(ticket.priority_id, ticket.sla_id),
        "type": names.ticket_type(ticket.tickettype_id),
        "agent": names.agent(ticket.agent_id),
        "team": ticket.team or None,
        "user": ticket.user_name or None,
    }


def page_info(page: int, shown: int, total: int | None) -> dict[str, Any]:
    """`total` and a `more` marker; an unknown total means more exist when the page came back full."""
    known = total if total is not None else (page - 1) * PAGE_SIZE + shown
    more = page * PAGE_SIZE < known if total is not None else shown >= PAGE_SIZE
    return {"total": known, "page": page, "more": more}


def dumps(payload: dict[str, Any]) -> str:
    """The tool message: compact JSON, non-ASCII kept readable."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def count_of(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 ticket", "3 tickets": the noun agrees with the count."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
