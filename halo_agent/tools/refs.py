"""Argument types for things people name: tickets by number, people and places by name, email or id.

Models write what the person wrote ("#789", "ticket 789", "Ben Carter", "6"); these types accept those
forms and refuse what is never meant (a boolean is not a ticket or a person). The schemas sent to the
model stay one short type each.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

from halo_agent.tools.base import MAX_HALO_ID as MAX_ID
from halo_agent.tools.base import MAX_NAME_CHARS as MAX_REF_CHARS

_TICKET = re.compile(r"(?:ticket|incident|request)?\s*(?:no\.?|number)?\s*#?\s*(\d{1,10})", re.IGNORECASE)
_ID = re.compile(r"(?:id|agent|user|site|client)?\s*#?\s*(\d{1,10})", re.IGNORECASE)
_CHOICE = re.compile(r".*[(;] ?id (\d{1,10})\)")  # a choice offered back verbatim: "Ben Carter (...; id 3)"


def ticket_number(value: object) -> object:
    """789, "789", "#789", "ticket 789" -> 789; true/false and other text are errors."""
    if isinstance(value, bool):
        raise ValueError("give the ticket number, not true/false")
    if isinstance(value, str):
        found = _TICKET.fullmatch(value.strip())
        if found is None:
            raise ValueError(f"{value[:40]!r} is not a ticket number; give the number, e.g. 789")
        value = int(found.group(1))
    if isinstance(value, int) and not 0 < value <= MAX_ID:
        raise ValueError(f"{value} is not a ticket number: a Halo id is a whole number from 1 to {MAX_ID}")
    return value


def directory_ref(value: object) -> object:
    """A name or email as text with spaces tidied, or an id (6, "6", "#6", "agent 6") as an integer."""
    if isinstance(value, bool):
        raise ValueError("give a name, an email or an id, not true/false")
    if isinstance(value, str):
        text = " ".join(value.split())
        if not text or len(text) > MAX_REF_CHARS:
            raise ValueError(f"give a name, an email or an id (1 to {MAX_REF_CHARS} characters)")
        found = _ID.fullmatch(text) or _CHOICE.fullmatch(text)
        value = int(found.group(1)) if found else text
    if isinstance(value, int) and not 0 < value <= MAX_ID:
        raise ValueError(f"{value} is not a Halo id: one is a whole number from 1 to {MAX_ID}")
    return value


TicketId = Annotated[int, BeforeValidator(ticket_number), WithJsonSchema({"type": "integer"})]
# Sent as a string (every server accepts that type; ids as text are fine), validated as int or text.
DirectoryRef = Annotated[
    int | str, BeforeValidator(directory_ref), WithJsonSchema({"type": "string", "maxLength": MAX_REF_CHARS})
]
